import Foundation
import Testing
@testable import Training

/// Every task's warm start runs through `rlref train sft` on the micro model: two steps, a resume,
/// and the run folder's files.
@Suite struct TaskWarmStartSmokeTests {
    @Test(arguments: PolicyTasks.names)
    func warmStartRunsAndResumes(task: String) throws {
        let out = (NSTemporaryDirectory() as NSString).appendingPathComponent("rlref-sft-\(task)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let settings = ["task=\(task)", "model=micro", "batch_size=2", "eval_count=2", "max_new_tokens=6", "checkpoint_every=1"]
        let first = try SupervisedRecipe.train(TrainingRunRequest(steps: 2, seed: 1, out: out, overrides: settings), isTerminal: false)
        #expect(first.completedSteps == 2)
        for (name, value) in first.evaluation {
            let isFraction = ["rate", "accuracy", "recall", "precision"].contains { name.contains($0) }
            #expect(value.isFinite && (!isFraction || (0...1).contains(value)), "\(name) = \(value)")
        }
        let resumed = try SupervisedRecipe.train(TrainingRunRequest(steps: 3, resume: out), isTerminal: false)
        #expect(resumed.completedSteps == 3)
        let folder = try RunFolder.open(out)
        #expect(try MetricsLog.read(folder: out).map(\.step) == [0, 1, 2, 3])
        #expect(folder.savedCheckpoints().map(\.step) == [2, 3])
        for name in ["config.json", "evaluation.json", "plots/loss.png", "samples/step-000003/samples.jsonl",
                     "checkpoints/step-000003/tokenizer.json", "checkpoints/step-000003/model.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: folder.file(name)), "\(name) missing")
        }
        let metrics = try CheckpointEvaluation.evaluate(folder: folder.checkpoint(step: 3), task: PolicyTasks.make(task),
                                                        split: .test, count: 3, seed: 0, maxNewTokens: 6)
        #expect(!metrics.isEmpty)
    }
}
