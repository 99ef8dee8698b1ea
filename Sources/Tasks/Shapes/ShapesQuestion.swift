import Tensor

/// A shapes VQA question with its template text and its ground-truth answer:
/// Specs/ShapesTasks.md ShapesTasks-4 … ShapesTasks-8.
public enum ShapesQuestion: Equatable, Hashable, Sendable {
    /// What a count question counts.
    public enum CountTarget: Equatable, Hashable, Sendable {
        case shape(ShapeKind), color(ShapeColor)
    }

    /// ShapesTasks-4: the colour of the only object of `shape`.
    case color(of: ShapeKind)
    /// ShapesTasks-5: the shape of the only object of `color`.
    case shape(of: ShapeColor)
    /// ShapesTasks-6: how many objects match.
    case count(CountTarget)
    /// ShapesTasks-7: whether the object `first` (colour, shape) stands in `relation` to `second`.
    case position(first: ShapeKind, ShapeColor, relation: ShapesRelation, second: ShapeKind, ShapeColor)
    /// ShapesTasks-8: whether an object of that colour and shape exists.
    case exists(ShapeKind, ShapeColor)

    /// The question types, which are also the evaluation categories, in sampling order.
    public enum Kind: String, CaseIterable, Sendable {
        case color, shape, count, position, exists

        /// Every answer a question of this type can have under the sampler (Specs/ShapesTasks.md,
        /// Sampling): the set the answer is drawn from and wrong warm-start answers come from.
        public var answers: [String] {
            switch self {
            case .color: ShapeColor.allCases.map(\.rawValue)
            case .shape: ShapeKind.allCases.map(\.rawValue)
            case .count: ["0", "1", "2", "3"]
            case .position, .exists: ["yes", "no"]
            }
        }

        /// The deliberately vague warm-start answer of this type.
        public var vagueAnswer: String {
            switch self {
            case .color: "colorful"
            case .shape: "a shape"
            case .count: "some"
            case .position, .exists: "maybe"
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .color: .color
        case .shape: .shape
        case .count: .count
        case .position: .position
        case .exists: .exists
        }
    }

    /// The prompt (lower case, one question mark).
    public var text: String {
        switch self {
        case .color(let shape): "what color is the \(shape.rawValue)?"
        case .shape(let color): "what shape is the \(color.rawValue) object?"
        case .count(.shape(let shape)): "how many \(shape.plural) are there?"
        case .count(.color(let color)): "how many \(color.rawValue) objects are there?"
        case .position(let s1, let c1, let relation, let s2, let c2):
            "is the \(c1.rawValue) \(s1.rawValue) \(relation.rawValue) the \(c2.rawValue) \(s2.rawValue)?"
        case .exists(let shape, let color): "is there a \(color.rawValue) \(shape.rawValue)?"
        }
    }

    /// The ground-truth answer in `scene`.
    /// - Throws: `InputError.invalidArgument` (`question`) when a referring expression does not pick
    ///   exactly one object, or a position question refers to one object twice.
    public func answer(in scene: ShapesScene) throws -> String {
        func only(_ matches: (SceneObject) -> Bool, _ what: String) throws -> SceneObject {
            let found = scene.objects.filter(matches)
            guard found.count == 1 else {
                throw InputError.invalidArgument(argument: "question", reason: "\(found.count) objects are \(what); exactly one is needed")
            }
            return found[0]
        }
        switch self {
        case .color(let shape):
            return try only({ $0.shape == shape }, "a \(shape.rawValue)").color.rawValue
        case .shape(let color):
            return try only({ $0.color == color }, color.rawValue).shape.rawValue
        case .count(let target):
            let n = scene.objects.filter { o in
                switch target {
                case .shape(let shape): o.shape == shape
                case .color(let color): o.color == color
                }
            }.count
            return String(n)
        case .position(let s1, let c1, let relation, let s2, let c2):
            guard (s1, c1) != (s2, c2) else {
                throw InputError.invalidArgument(argument: "question", reason: "a position question needs two different objects")
            }
            let a = try only({ $0.shape == s1 && $0.color == c1 }, "\(c1.rawValue) \(s1.rawValue)s")
            let b = try only({ $0.shape == s2 && $0.color == c2 }, "\(c2.rawValue) \(s2.rawValue)s")
            return relation.holds(a, b) ? "yes" : "no"
        case .exists(let shape, let color):
            return scene.objects.contains { $0.shape == shape && $0.color == color } ? "yes" : "no"
        }
    }

    /// Every accepted answer: `[answer]`, and for counts also the number word (`["2", "two"]`).
    public func references(in scene: ShapesScene) throws -> [String] {
        let answer = try answer(in: scene)
        if case .count = self, let n = Int(answer) { return [answer, numberWords[n]] }
        return [answer]
    }
}
