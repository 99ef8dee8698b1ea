/// One single-turn example of a data set task (shapes VQA, shapes captioning): the observation, the
/// answer a supervised warm start is taught, every acceptable reference, and a category for the
/// evaluation breakdown (a question type; for captioning, the scene size such as `objects-3`).
public struct TaskExample: Equatable, Sendable {
    public var id: String
    public var observation: Observation
    /// The target text teacher forcing uses.
    public var answer: String
    /// Every reference an answer is scored against (contains `answer`).
    public var references: [String]
    public var category: String

    public init(id: String, observation: Observation, answer: String, references: [String], category: String) {
        self.id = id
        self.observation = observation
        self.answer = answer
        self.references = references
        self.category = category
    }
}
