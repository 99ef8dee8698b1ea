import Foundation
import RLAlgorithms
import Tasks
import Testing
@testable import Training

/// Each RL recipe on its task: a micro warm start, two steps, a resume, finite metrics.
@Suite struct RecipeSmokeTests {
    /// A two-step micro warm start of `task`; returns (run folder, its last checkpoint).
    static func microWarmStart(_ task: String) throws -> (folder: String, checkpoint: String) {
        let out = (NSTemporaryDirectory() as NSString).appendingPathComponent("rlref-warm-\(task)-\(UUID().uuidString)")
        _ = try SupervisedRecipe.train(TrainingRunRequest(steps: 2, seed: 1, out: out, overrides: [
            "task=\(task)", "model=micro", "batch_size=2", "eval_count=2", "max_new_tokens=4"]), isTerminal: false)
        return (out, try RunFolder.open(out).savedCheckpoints().last!.path)
    }

    static func smoke(_ recipe: any TrainingRecipe.Type, task: String, settings: [String]) throws {
        let warm = try microWarmStart(task)
        defer { try? FileManager.default.removeItem(atPath: warm.folder) }
        let out = warm.folder + "-\(recipe.name)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let first = try recipe.train(TrainingRunRequest(steps: 2, seed: 2, out: out, overrides: ["warm_start=\(warm.checkpoint)",
                                                                                               "checkpoint_every=1"] + settings),
                                     isTerminal: false)
        #expect(first.completedSteps == 2)
        let resumed = try recipe.train(TrainingRunRequest(steps: 3, resume: out), isTerminal: false)
        #expect(resumed.completedSteps == 3)
        let history = try MetricsLog.read(folder: out)
        #expect(history.map(\.step) == [1, 2, 3])
        for metrics in history {
            for (name, value) in metrics.values where !["success_rate", "episode_return"].contains(name) {
                #expect(value.isFinite, "\(recipe.name) step \(metrics.step): \(name) = \(value)")
            }
        }
    }

    @Test(arguments: GRPOTrainer.Objective.allCases)
    func vqaGRPO(objective: GRPOTrainer.Objective) throws {
        try Self.smoke(VQAGRPORecipe.self, task: "shapes-vqa",
                       settings: ["objective=\(objective.rawValue)", "prompts=2", "eval_count=2", "max_new_tokens=4", "lora_rank=2"])
    }

    @Test func vqaGRPORewardIsTheSpecsCompositeRewardAgainstTheBestReference() throws {
        let example = TaskExample(id: "c", observation: Observation(image: Canvas(width: 1, height: 1), prompt: "how many?"),
                                  answer: "2", references: ["2", "two"], category: "count")
        for response in ["two", "2", "there are 2", "three"] {
            let expected = try ["2", "two"].map { try vqaReward(VQAAnswerPair(prediction: response, reference: $0), as: Double.self).total }.max()!
            #expect(try VQAGRPORecipe.reward(example, response) == expected)
        }
        #expect(try VQAGRPORecipe.reward(example, "two") == 1)
    }
}

extension RecipeSmokeTests {
    @Test func gymCardsCoT() throws {
        try Self.smoke(GymCardsCoTRecipe.self, task: "gymcards-numberline",
                       settings: ["environments=2", "steps_per_update=2", "eval_count=2", "max_new_tokens=6", "epochs=1"])
    }
}
