import Foundation
import Models
import Tasks
import Tensor
import Testing
import Verification
@testable import Training

/// A task small enough to learn in a few steps: name the colour that fills the image.
struct ColourTask: PolicyTask {
    static let colours: [(String, Color)] = [("red", .red), ("green", .green), ("blue", .blue)]
    var name: String { "colour" }
    var corpus: [String] { ["what colour fills the image ?"] + Self.colours.map { "{\"answer\": \"\($0.0)\"}" } }

    func observation(_ k: Int) -> Observation {
        Observation(image: Canvas(width: 64, height: 64, background: Self.colours[k].1), prompt: "what colour fills the image ?")
    }

    func demonstrations(count: Int, generator: inout SeededGenerator) -> [(observation: Observation, response: String)] {
        (0..<count).map { _ in
            let k = Int(generator.nextUniform() * 3) % 3
            return (observation(k), "{\"answer\": \"\(Self.colours[k].0)\"}")
        }
    }

    func showcase(split: DataSplit, count: Int, seed: UInt64) -> [(observation: Observation, answer: String)] {
        (0..<count).map { (observation($0 % 3), "{\"answer\": \"\(Self.colours[$0 % 3].0)\"}") }
    }

    func evaluate(split: DataSplit, count: Int, seed: UInt64,
                  policy: ([Observation]) throws -> [String]) throws -> [(name: String, value: Double)] {
        let answers = try policy((0..<3).map(observation))
        let correct = answers.enumerated().filter { $0.element == "{\"answer\": \"\(Self.colours[$0.offset].0)\"}" }.count
        return [("accuracy", Double(correct) / 3)]
    }
}

/// The supervised trainer on `ColourTask` as a recipe, to drive `TrainingRun` in tests.
struct ColourRecipe: DelegatingRecipe {
    static let name = "colour-sft"
    static let summary = "test recipe"
    static let defaultSteps = 2
    static let settings = [RecipeSetting("learning_rate", .real(0...1), default: "0.01", "AdamW learning rate")]
    var trainer: SupervisedTrainer

    init(settings: RecipeSettings, seed: UInt64, checkpoint: String?, log: (String) -> Void) throws {
        var h = SupervisedTrainer.Hyperparameters()
        h.model = .micro
        h.batchSize = 4
        h.warmupSteps = 0
        h.learningRate = settings.real("learning_rate")
        h.maxNewTokens = 12
        trainer = try SupervisedTrainer(task: ColourTask(), hyperparameters: h, seed: seed, configuration: settings.json,
                                        checkpoint: checkpoint)
    }

}

@Suite struct TrainingRunTests {
    func temporaryFolder() -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("rlref-run-\(UUID().uuidString)")
    }

    @Test func runWritesItsFolderAndResumesBitForBit() throws {
        let out = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let first = try TrainingRun.run(ColourRecipe.self, request: TrainingRunRequest(steps: 2, seed: 3, out: out,
                                                                                     overrides: ["checkpoint_every=1", "eval_every=2"]),
                                        isTerminal: false)
        #expect(first.completedSteps == 2 && !first.interrupted)
        let folder = try RunFolder.open(out)
        #expect(folder.savedCheckpoints().map(\.step) == [1, 2])
        for name in ["config.json", "metrics.jsonl", "evaluation.json", "plots/loss.png", "plots/eval_accuracy.png",
                     "samples/step-000002/samples.jsonl", "samples/step-000002/sample-0.png"] {
            #expect(FileManager.default.fileExists(atPath: folder.file(name)), "\(name) missing")
        }
        let plot = try PNGImage(contentsOf: folder.file("plots/loss.png"))
        #expect(plot.width == 640 && plot.height == 400)

        let resumed = try TrainingRun.run(ColourRecipe.self, request: TrainingRunRequest(steps: 4, resume: out), isTerminal: false)
        #expect(resumed.completedSteps == 4)
        let log = try MetricsLog(folder: out, resumedStep: 4)
        #expect(log.history.map(\.step) == [0, 1, 2, 3, 4])

        // The same four steps in one go give the same losses bit for bit.
        let straight = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: straight) }
        _ = try TrainingRun.run(ColourRecipe.self, request: TrainingRunRequest(steps: 4, seed: 3, out: straight,
                                                                             overrides: ["checkpoint_every=1", "eval_every=2"]),
                                isTerminal: false)
        let reference = try MetricsLog(folder: straight, resumedStep: 4)
        #expect(reference.history.map { $0["loss"] } == log.history.map { $0["loss"] })
    }

    @Test func badRequestsAreTypedErrorsNamingTheArgument() throws {
        let out = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        #expect(throws: InputError.self) { try RecipeSettings(table: ColourRecipe.settings, overrides: ["nope=1"]) }
        do {
            _ = try RecipeSettings(table: ColourRecipe.settings, overrides: ["learning_rate=fast"])
            Issue.record("an ill-typed value was accepted")
        } catch let error as InputError {
            #expect("\(error)".contains("learning_rate") && "\(error)".contains("number in"))
        }
        do {
            _ = try RecipeSettings(table: ColourRecipe.settings, overrides: ["rate=1"])
        } catch let error as InputError {
            #expect("\(error)".contains("valid keys: learning_rate"))
        }
        _ = try TrainingRun.run(ColourRecipe.self, request: TrainingRunRequest(steps: 1, out: out), isTerminal: false)
        #expect(throws: InputError.self) {
            try TrainingRun.run(ColourRecipe.self, request: TrainingRunRequest(steps: 1, out: out), isTerminal: false)
        }
        #expect(throws: InputError.self) {
            try TrainingRun.run(ColourRecipe.self, request: TrainingRunRequest(steps: 2, resume: out, overrides: ["learning_rate=0.1"]),
                                isTerminal: false)
        }
        #expect(throws: InputError.self) {
            try TrainingRun.run(ColourRecipe.self, request: TrainingRunRequest(steps: 1, resume: out), isTerminal: false)
        }
    }

    @Test func responseTextRoundTripsTheJSONAnswerFormat() throws {
        let tokenizer = try WordLevelTokenizer(corpus: ColourTask().corpus + ["{\"thoughts\": \"move left, then stop.\", \"action\": \"(3 + 4) * 2\"}"])
        for text in ["{\"answer\": \"red\"}", "{\"thoughts\": \"move left, then stop.\", \"action\": \"(3 + 4) * 2\"}",
                     "what colour fills the image?"] {
            #expect(try tokenizer.responseText(tokenizer.encode(text).ids) == text)
        }
    }

    @Test func supervisedTrainingLearnsTheColourTask() throws {
        var h = SupervisedTrainer.Hyperparameters()
        h.model = .micro
        h.batchSize = 6
        h.warmupSteps = 0
        h.learningRate = 0.003
        h.maxGradientNorm = 1
        h.maxNewTokens = 12
        var trainer = try SupervisedTrainer(task: ColourTask(), hyperparameters: h, seed: 1, configuration: .null, checkpoint: nil)
        var losses: [Double] = []
        for _ in 0..<150 { losses.append(try trainer.step()[0].value) }
        #expect(losses.suffix(5).reduce(0, +) / 5 < 0.2 * losses[0], "loss \(losses[0]) → \(losses.suffix(5))")
        let shown = try trainer.respond((0..<3).map(ColourTask().observation)).map(\.text)
        #expect(try trainer.evaluate()[0].value == 1, "\(shown) \(losses.suffix(3))")
    }

    @Test func linePlotTicksAreRoundNumbersInsideTheRange() {
        #expect(LinePlot.ticks(low: 0, high: 1) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        let ticks = LinePlot.ticks(low: -3.7, high: 12.2)
        #expect(ticks.first! >= -3.7 && ticks.last! <= 12.2 && ticks.count >= 3)
        #expect(Set(zip(ticks, ticks.dropFirst()).map { ($1 - $0).rounded() }).count == 1)
    }
}
