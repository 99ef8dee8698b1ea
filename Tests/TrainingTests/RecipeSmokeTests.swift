import Foundation
import RLAlgorithms
import Tensor
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

    /// Trains 2 steps, resumes to 3, checks the metrics are finite, and returns the metrics history.
    @discardableResult
    static func smoke(_ recipe: any TrainingRecipe.Type, task: String, settings: [String]) throws -> [StepMetrics] {
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
        #expect(history.map(\.step) == [0, 1, 2, 3])
        for metrics in history {
            for (name, value) in metrics.values where !["success_rate", "episode_return"].contains(name) {
                #expect(value.isFinite, "\(recipe.name) step \(metrics.step): \(name) = \(value)")
            }
        }
        return history
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

/// The CLIP reward model's recipe and the recipes that score with it.
@Suite struct CLIPRecipeSmokeTests {
    /// A two-step CLIP run; returns (run folder, its last checkpoint).
    static func microCLIP() throws -> (folder: String, checkpoint: String) {
        let out = (NSTemporaryDirectory() as NSString).appendingPathComponent("rlref-clip-\(UUID().uuidString)")
        _ = try CLIPRecipe.train(TrainingRunRequest(steps: 2, seed: 1, out: out, overrides: ["batch_size=4", "eval_count=4"]),
                                 isTerminal: false)
        return (out, try RunFolder.open(out).savedCheckpoints().last!.path)
    }

    @Test func clipTrainsResumesAndScores() throws {
        let clip = try Self.microCLIP()
        defer { try? FileManager.default.removeItem(atPath: clip.folder) }
        let resumed = try CLIPRecipe.train(TrainingRunRequest(steps: 3, resume: clip.folder), isTerminal: false)
        #expect(resumed.completedSteps == 3)
        #expect(resumed.evaluation.map(\.name) == ["recall_at_1", "recall_at_5", "mrr"])
        let model = try CLIPRewardModel(folder: try RunFolder.open(clip.folder).savedCheckpoints().last!.path)
        #expect(model.tokenizer.id(of: "</s>") == 3)
        let image = ShapesTask.captioning.examples(split: .test, seed: 0, count: 1)[0].observation.image
        let scores = try model.imageTextScores(images: [image, image], texts: ["a red circle", "a blue square"])
        #expect(scores.allSatisfy { abs($0) <= 1 + 1e-6 })
        let same = try model.textTextScores(["a red circle"], ["a red circle"])
        #expect(abs(same[0] - 1) < 1e-5)
        var generator = SeededGenerator(seed: 3)
        let rendered = try model.renderScore(image: image, caption: "a red circle", renders: 3, generator: &generator)
        #expect(abs(rendered) <= 1 + 1e-6)
    }

    @Test(arguments: ["vqa-ppo", "caption-ppo-kl", "caption-ppo-kl-render", "caption-vlrm"])
    func recipeWithCLIP(name: String) throws {
        let clip = try Self.microCLIP()
        defer { try? FileManager.default.removeItem(atPath: clip.folder) }
        let common = ["clip=\(clip.checkpoint)", "prompts=2", "eval_count=2", "max_new_tokens=5"]
        switch name {
        case "vqa-ppo": try RecipeSmokeTests.smoke(VQAPPORecipe.self, task: "shapes-vqa", settings: common + ["epochs=1"])
        case "caption-ppo-kl": try RecipeSmokeTests.smoke(CaptionPPOKLRecipe.self, task: "shapes-captioning", settings: common)
        case "caption-ppo-kl-render":
            try RecipeSmokeTests.smoke(CaptionPPOKLRecipe.self, task: "shapes-captioning", settings: common + ["reward=render", "renders=2"])
        default:
            let history = try RecipeSmokeTests.smoke(CaptionVLRMRecipe.self, task: "shapes-captioning", settings: common)
            let distinct = try #require(history.first?["eval_distinct_captions"])
            #expect((1...2).contains(distinct), "2 evaluation captions, \(distinct) distinct")
        }
    }
}
