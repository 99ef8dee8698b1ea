import Tensor

/// One shapes VQA item before rendering: the scene, the question and its ground truth.
public struct ShapesVQAItem: Equatable, Sendable {
    public var id: String
    public var scene: ShapesScene
    public var question: ShapesQuestion
    public var answer: String
    public var references: [String]

    /// The content key the split rule hashes: scene and prompt.
    public var contentKey: String { "\(scene.description) | \(question.text)" }

    /// The rendered example: prompt = the question, category = the question type.
    public var example: TaskExample {
        TaskExample(id: id, observation: Observation(image: scene.render(), prompt: question.text), answer: answer,
                    references: references, category: question.kind.rawValue)
    }
}

/// The shapes VQA data set (Specs/ShapesTasks.md): an endless seeded stream per split, question types
/// cycling `color, shape, count, position, exists`, answers balanced within each type.
public struct ShapesVQADataset: Sendable {
    public private(set) var stream: SplitStream

    public init(split: DataSplit, seed: UInt64) {
        stream = SplitStream(split: split, seed: seed)
    }

    /// The next item (not rendered; cheap).
    public mutating func nextItem() -> ShapesVQAItem {
        let kind = ShapesQuestion.Kind.allCases[stream.index % ShapesQuestion.Kind.allCases.count]
        return nextItem(of: kind)
    }

    /// The next item of one question type.
    public mutating func nextItem(of kind: ShapesQuestion.Kind) -> ShapesVQAItem {
        let id = "shapes-vqa-\(stream.split.rawValue)-\(stream.seed)-\(stream.index)"
        return stream.draw(key: \.contentKey) { g in
            let (scene, question) = ShapesVQASampler.sample(kind, using: &g)
            // The sampler builds scenes in which the question's referring expressions are unique.
            let references = try! question.references(in: scene)
            return ShapesVQAItem(id: id, scene: scene, question: question, answer: references[0], references: references)
        }
    }

    /// The next rendered example.
    public mutating func next() -> TaskExample { nextItem().example }

    /// The first `count` examples of a split.
    public static func examples(split: DataSplit, seed: UInt64, count: Int) -> [TaskExample] {
        var data = ShapesVQADataset(split: split, seed: seed)
        return (0..<max(0, count)).map { _ in data.next() }
    }
}
