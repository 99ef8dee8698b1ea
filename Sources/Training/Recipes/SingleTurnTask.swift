import Tasks
import Tensor

/// A task answered in one response (shapes VQA, shapes captioning): training prompts come as
/// `TaskExample`s, whose references a reward scores responses against. Its evaluation is a fixed
/// set of examples per split and seed, scored by `metrics`, so that a trainer can also score the
/// same greedy responses with its reward (`PolicyRun.evaluate(_:split:count:maxNewTokens:reward:)`).
public protocol SingleTurnTask: PolicyTask {
    /// `count` training examples drawn with `generator`.
    func examples(count: Int, generator: inout SeededGenerator) -> [TaskExample]
    /// The first `count` examples of `split` for `seed`: what `evaluate` scores.
    func evaluationExamples(split: DataSplit, count: Int, seed: UInt64) -> [TaskExample]
    /// The task's metrics of `predictions` (one per example, in order), headline first.
    func metrics(predictions: [String], examples: [TaskExample]) throws -> [(name: String, value: Double)]
}

extension SingleTurnTask {
    /// `metrics` of `policy`'s answers to `evaluationExamples`, asked 32 at a time.
    public func evaluate(split: DataSplit, count: Int, seed: UInt64,
                         policy: ([Observation]) throws -> [String]) throws -> [(name: String, value: Double)] {
        let examples = evaluationExamples(split: split, count: count, seed: seed)
        return try metrics(predictions: answers(to: examples, policy: policy), examples: examples)
    }

    /// `policy`'s answers to `examples`, asked in batches of 32.
    public func answers(to examples: [TaskExample], policy: ([Observation]) throws -> [String]) rethrows -> [String] {
        var predictions: [String] = []
        for start in stride(from: 0, to: examples.count, by: 32) {
            predictions += try policy(examples[start..<min(examples.count, start + 32)].map(\.observation))
        }
        return predictions
    }
}
