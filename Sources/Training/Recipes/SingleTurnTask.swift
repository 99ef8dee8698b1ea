import Tasks
import Tensor

/// A task answered in one response (shapes VQA, shapes captioning): training prompts come as
/// `TaskExample`s, whose references a reward scores responses against.
public protocol SingleTurnTask: PolicyTask {
    /// `count` training examples drawn with `generator`.
    func examples(count: Int, generator: inout SeededGenerator) -> [TaskExample]
}
