import Foundation
import Models
import RLAlgorithms
import Tasks
import Tensor
import Testing
@testable import Training

extension ColourTask: SingleTurnTask {
    func examples(count: Int, generator: inout SeededGenerator) -> [TaskExample] {
        demonstrations(count: count, generator: &generator).enumerated().map { k, d in
            TaskExample(id: "\(k)", observation: d.observation, answer: d.response, references: [d.response], category: "colour")
        }
    }

    func evaluationExamples(split: DataSplit, count: Int, seed: UInt64) -> [TaskExample] {
        var generator = SeededGenerator(seed: seed &+ split.streamOffset)
        return examples(count: count, generator: &generator)
    }

    func metrics(predictions: [String], examples: [TaskExample]) throws -> [(name: String, value: Double)] {
        [("accuracy", Double(zip(predictions, examples).filter { $0 == $1.answer }.count) / Double(examples.count))]
    }
}

@Suite struct TokenPPOTrainerTests {
    /// A briefly trained (imperfect) warm start of the colour task in a temporary folder.
    static func warmStart() throws -> String {
        var h = SupervisedTrainer.Hyperparameters()
        h.model = .micro
        h.batchSize = 6
        h.warmupSteps = 0
        h.learningRate = 0.003
        var trainer = try SupervisedTrainer(task: ColourTask(), hyperparameters: h, seed: 1, configuration: .null, checkpoint: nil)
        for _ in 0..<20 { _ = try trainer.step() }
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("rlref-warm-\(UUID().uuidString)")
        try trainer.saveCheckpoint(to: folder)
        return folder
    }

    static func hyperparameters() -> TokenPPOTrainer.Hyperparameters {
        var h = TokenPPOTrainer.Hyperparameters()
        h.prompts = 4
        h.maxNewTokens = 10
        h.valueHeadWidths = [8]
        h.lora = LoRASettings(rank: 2, alpha: 4, dropout: 0.05, targets: ["q_proj", "v_proj"])
        h.kl = KLPenaltyConfiguration(klCoef: 0.2)
        return h
    }

    static let reward: ResponseReward = { example, response in response == example.answer ? 1 : 0 }

    @Test func stepsAreFiniteAndResumeBitForBit() throws {
        let warm = try Self.warmStart()
        defer { try? FileManager.default.removeItem(atPath: warm) }
        var straight = try TokenPPOTrainer(task: ColourTask(), hyperparameters: Self.hyperparameters(), warmStart: warm, seed: 2,
                                           configuration: .null, checkpoint: nil, reward: Self.reward)
        let first = try straight.step()
        #expect(first.allSatisfy { $0.value.isFinite }, "\(first)")
        let checkpoint = warm + "-ppo"
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        try straight.saveCheckpoint(to: checkpoint)
        let second = try straight.step()
        var resumed = try TokenPPOTrainer(task: ColourTask(), hyperparameters: Self.hyperparameters(), warmStart: warm, seed: 2,
                                          configuration: .null, checkpoint: checkpoint, reward: Self.reward)
        #expect(resumed.completedSteps == 1)
        let again = try resumed.step()
        #expect(again.map(\.value) == second.map(\.value))
        // Only adapters and the value head train: the base weights are the warm start's.
        let base = try ModelFolder.load(warm, as: Float.self)
        for (name, path) in ParameterNames.base(base) {
            #expect(straight.model[keyPath: path].value == base[keyPath: path].value, "\(name) changed")
        }
    }

    @Test func evaluationsReuseTheirRandomNumbersAndScoreTheSameAnswers() throws {
        let warm = try Self.warmStart()
        defer { try? FileManager.default.removeItem(atPath: warm) }
        var h = Self.hyperparameters()
        h.evaluationCount = 6
        let trainer = try TokenPPOTrainer(task: ColourTask(), hyperparameters: h, warmStart: warm, seed: 3,
                                          configuration: .null, checkpoint: nil, reward: Self.reward)
        let first = try trainer.evaluate(split: .validation), second = try trainer.evaluate(split: .validation)
        #expect(first.map(\.name) == ["accuracy", "reward", "sampled_reward"])
        // Same model, same generators: bit-identical, sampled reward included.
        #expect(first.map(\.value) == second.map(\.value))
        // With the exact-match reward, the greedy reward is the accuracy of the same answers.
        #expect(first[0].value == first[1].value)
        #expect((0...1).contains(first[2].value))
    }

    @Test func theRolloutIsTheSpecFunctionsOnTheScoredTokens() throws {
        let warm = try Self.warmStart()
        defer { try? FileManager.default.removeItem(atPath: warm) }
        var trainer = try TokenPPOTrainer(task: ColourTask(), hyperparameters: Self.hyperparameters(), warmStart: warm, seed: 5,
                                          configuration: .null, checkpoint: nil, reward: Self.reward)
        let rollout = try trainer.rollout()
        // Fresh adapters (B = 0) leave the policy equal to the reference: zero KL, rewards = scores on the last token.
        #expect(rollout.rewards.kl.elements.allSatisfy { abs($0) < 1e-6 })
        for b in 0..<rollout.examples.count {
            let last = (0..<rollout.mask.shape[1]).last { rollout.mask[b, $0] != 0 }!
            #expect(abs(rollout.rewards.rewards[b, last] - rollout.scores[b]) < 1e-6)
            #expect(rollout.responses[b].tokens.count == Int(rollout.mask.elements[(b * rollout.mask.shape[1])..<((b + 1) * rollout.mask.shape[1])].reduce(0, +)))
        }
        // PPO's old log-probs are the teacher-forced full softmax (as TRL recomputes them); sampling drew
        // from it with the special tokens suppressed, i.e. renormalised over fewer tokens: never less likely.
        for b in 0..<rollout.examples.count {
            let scored = (0..<rollout.mask.shape[1]).filter { rollout.mask[b, $0] != 0 }.map { Double(rollout.oldLogProbs[b, $0]) }
            #expect(scored.count == rollout.responses[b].logProbs.count)
            for (a, e) in zip(scored, rollout.responses[b].logProbs) { #expect(e >= a - 1e-5 && a < 0) }
        }
    }
}
