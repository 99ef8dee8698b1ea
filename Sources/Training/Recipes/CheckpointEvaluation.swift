import Models
import Tasks
import Tensor

/// `rlref evaluate`: a saved model folder or checkpoint (weights, adapters, tokenizer) answering a
/// task greedily, as every recipe evaluates.
public enum CheckpointEvaluation {
    /// The task's metrics on `count` examples or episodes of `split`.
    /// - Throws: the folder's and tokenizer's typed errors, the task's errors.
    public static func evaluate(folder: String, task: any PolicyTask, split: DataSplit, count: Int, seed: UInt64,
                                maxNewTokens: Int) throws -> [(name: String, value: Double)] {
        let start = try WarmStart(folder: folder)
        return try task.evaluate(split: split, count: count, seed: seed) {
            try start.format.respond(start.model, observations: $0, maxNewTokens: maxNewTokens).map(\.text)
        }
    }
}
