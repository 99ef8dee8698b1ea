import Tasks
import Tensor

/// A task as a recipe sees it: the text its tokenizer is built from, demonstrations for the
/// supervised warm start, and an evaluation of any text policy.
public protocol PolicyTask: Sendable {
    /// The name on the command line (`--set task=NAME`, `rlref render NAME`).
    var name: String { get }
    /// Every text that can appear in prompts and responses (the closed vocabulary's corpus).
    var corpus: [String] { get }
    /// The side of the square observations (the model's `image_size`).
    var imageSize: Int { get }
    /// `count` warm-start demonstrations (observation, target response) drawn with `generator` —
    /// deliberately imperfect, as the task's Spec describes.
    func demonstrations(count: Int, generator: inout SeededGenerator) -> [(observation: Observation, response: String)]
    /// `count` observations of `split` with the answer the task's reference (or expert) gives, for
    /// `rlref render`.
    func showcase(split: DataSplit, count: Int, seed: UInt64) -> [(observation: Observation, answer: String)]
    /// Metrics of `policy` on `count` examples or episodes of `split` (headline first). `policy`
    /// answers a batch of observations with one text each.
    func evaluate(split: DataSplit, count: Int, seed: UInt64,
                  policy: ([Observation]) throws -> [String]) throws -> [(name: String, value: Double)]
}

extension PolicyTask {
    public var imageSize: Int { 64 }
}
