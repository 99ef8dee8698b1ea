import Foundation
import Models
import RLAlgorithms
import Tasks
import Tensor
import Testing
@testable import Training

/// Name the colour on screen; the episode ends when named, or is cut after three steps.
struct ColourEnvironment: EpisodeEnvironment {
    var legalActions: [String] { ColourTask.colours.map(\.0) }
    var colour = 0, steps = 0

    mutating func reset(generator: inout SeededGenerator) -> Observation {
        colour = Int(generator.nextUniform() * 3) % 3
        steps = 0
        return ColourTask().observation(colour)
    }

    mutating func step(action: String, generator: inout SeededGenerator) -> EnvironmentStep {
        steps += 1
        let correct = action == ColourTask.colours[colour].0
        return EnvironmentStep(observation: ColourTask().observation(colour), reward: correct ? 1 : 0, terminated: correct,
                               truncated: !correct && steps == 3, success: correct)
    }
}

extension ColourTask: EpisodeTask {
    func makeEnvironment() -> any EpisodeEnvironment { ColourEnvironment() }
}

@Suite struct CoTPPOTrainerTests {
    @Test func stepsAreFiniteAndCheckpointsReload() throws {
        let warm = try TokenPPOTrainerTests.warmStart()
        defer { try? FileManager.default.removeItem(atPath: warm) }
        var h = CoTPPOTrainer.Hyperparameters()
        h.environments = 3
        h.stepsPerUpdate = 4
        h.maxNewTokens = 10
        h.valueHeadWidths = [8]
        h.lora = LoRASettings(rank: 2, alpha: 4, dropout: 0, targets: ["q_proj", "v_proj"])
        var trainer = try CoTPPOTrainer(task: ColourTask(), hyperparameters: h, warmStart: warm, seed: 3, configuration: .null,
                                        checkpoint: nil)
        let metrics = try trainer.step()
        for (name, value) in metrics where name != "success_rate" && name != "episode_return" {
            #expect(value.isFinite, "\(name) = \(value)")
        }
        let checkpoint = warm + "-cot"
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        try trainer.saveCheckpoint(to: checkpoint)
        var resumed = try CoTPPOTrainer(task: ColourTask(), hyperparameters: h, warmStart: warm, seed: 3, configuration: .null,
                                        checkpoint: checkpoint)
        #expect(resumed.completedSteps == 1)
        #expect(try resumed.step().count == metrics.count)
    }

    /// Both groups' learning rates fall along half a cosine over `decayUpdates × epochs` optimiser steps
    /// (hand values: η·½(1 + cos(π·k/N)), k = step − 1), and stay constant without `decayUpdates`.
    @Test func learningRatesFollowTheCosineOverUpdatesTimesEpochs() throws {
        let warm = try TokenPPOTrainerTests.warmStart()
        defer { try? FileManager.default.removeItem(atPath: warm) }
        var h = CoTPPOTrainer.Hyperparameters()
        h.valueHeadWidths = [8]
        h.epochs = 2
        h.decayUpdates = 4   // N = 8 optimiser steps
        let trainer = try CoTPPOTrainer(task: ColourTask(), hyperparameters: h, warmStart: warm, seed: 3, configuration: .null,
                                        checkpoint: nil)
        let peaks = ["value_head": h.valueLearningRate, "policy": h.policyLearningRate]
        for group in trainer.run.optimizer.groups {
            let peak = try #require(peaks[group.name])
            for (step, factor) in [(1, 1.0), (3, 0.5 * (1 + cos(Double.pi / 4))), (5, 0.5), (9, 0.0)] {
                #expect(abs(try group.schedule.learningRate(atStep: step) - peak * factor) <= 1e-15 * peak, "\(group.name) step \(step)")
            }
        }
        h.decayUpdates = nil
        let constant = try CoTPPOTrainer(task: ColourTask(), hyperparameters: h, warmStart: warm, seed: 3, configuration: .null,
                                         checkpoint: nil)
        for group in constant.run.optimizer.groups {
            #expect(try group.schedule.learningRate(atStep: 9) == peaks[group.name])
        }
    }

    /// The step values read from the rollout's scoring pass (last prompt token) are what the value head
    /// gives on the prompt alone, the quantity used for the bootstrap values.
    @Test func rolloutValuesEqualPromptOnlyValues() throws {
        let warm = try TokenPPOTrainerTests.warmStart()
        defer { try? FileManager.default.removeItem(atPath: warm) }
        var h = CoTPPOTrainer.Hyperparameters()
        h.valueHeadWidths = [8]
        h.lora = LoRASettings(rank: 2, alpha: 4, dropout: 0, targets: ["q_proj", "v_proj"])
        let trainer = try CoTPPOTrainer(task: ColourTask(), hyperparameters: h, warmStart: warm, seed: 3, configuration: .null,
                                        checkpoint: nil)
        let observations = [ColourTask().observation(0), Observation(image: ColourTask().observation(2).image, prompt: "what colour ?")]
        let format = trainer.run.format
        let responses = [format.responseTokens("{\"answer\": \"red\"}"), format.responseTokens("red")]
        let (batch, mask) = try format.sequenceBatch(observations, responses: responses, as: Float.self)
        let promptWidth = batch.length - responses.map(\.count).max()!
        var context = ForwardContext.evaluation
        let scored = try trainer.model.score(batch, mask: mask, context: &context).values!
        for (b, value) in try trainer.values(observations).enumerated() {
            let fromRollout = Double(scored[b, promptWidth - 1])
            #expect(abs(fromRollout - value) <= 1e-5 + 1e-5 * abs(value), "row \(b): \(fromRollout) vs \(value)")
        }
    }

    @Test func thoughtAndActionMasksSplitAtTheActionKey() throws {
        let tokenizer = try WordLevelTokenizer(corpus: ["{\"thoughts\": \"go right\", \"action\": \"right\"}"])
        let eos = tokenizer.id(of: "</s>")!
        let text = "{\"thoughts\": \"go right\", \"action\": \"right\"}"
        let tokens = tokenizer.encode(text).ids + [eos]
        let segments = try CoTPPOTrainer.segments([GeneratedResponse(tokens: tokens, text: text, logProbs: [])], columns: 22,
                                                  promptWidth: 3, actionKey: tokenizer.id(of: "action"), endOfSequence: eos)
        // { " thoughts " : " go right " , | " action " : " right " } </s>: 10 thought tokens, 8 action tokens, EOS in neither.
        let thought = segments.thoughtMask.elements, action = segments.actionMask.elements
        #expect(thought[0..<2].allSatisfy { $0 == 0 } && thought[2..<12].allSatisfy { $0 == 1 } && thought[12...].allSatisfy { $0 == 0 })
        #expect(action[0..<12].allSatisfy { $0 == 0 } && action[12..<20].allSatisfy { $0 == 1 } && action[20...].allSatisfy { $0 == 0 })
        let bare = try CoTPPOTrainer.segments([GeneratedResponse(tokens: tokens, text: text, logProbs: [])], columns: 22,
                                              promptWidth: 3, actionKey: nil, endOfSequence: eos)
        #expect(bare.actionMask.elements.allSatisfy { $0 == 0 } && bare.thoughtMask.elements.reduce(0, +) == 18)
    }
}
