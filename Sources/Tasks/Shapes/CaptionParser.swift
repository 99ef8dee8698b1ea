import RLAlgorithms

/// What a caption names, read by the lenient parser of Specs/ShapesTasks.md ShapesTasks-10.
public struct ParsedCaption: Equatable, Sendable {
    /// A named object; `nil` attributes were not specified.
    public struct Object: Equatable, Hashable, Sendable {
        public var shape: ShapeKind
        public var color: ShapeColor?
        public var size: ShapeSize?

        public init(_ shape: ShapeKind, color: ShapeColor? = nil, size: ShapeSize? = nil) {
            self.shape = shape
            self.color = color
            self.size = size
        }

        /// How many attributes besides the shape are specified (ShapesTasks-12's matching order).
        public var specifiedCount: Int { (color == nil ? 0 : 1) + (size == nil ? 0 : 1) }

        /// Whether `object` has this shape and every specified attribute.
        public func describes(_ object: SceneObject) -> Bool {
            matches(Object(object.shape, color: object.color, size: object.size))
        }

        /// Whether `reference` has this shape and every attribute this object specifies (ShapesTasks-12).
        public func matches(_ reference: Object) -> Bool {
            reference.shape == shape && (color == nil || color == reference.color) && (size == nil || size == reference.size)
        }
    }

    /// A relation between two parsed objects, by index into `objects`.
    public struct Relation: Equatable, Hashable, Sendable {
        public var first: Int
        public var relation: ShapesRelation
        public var second: Int
    }

    /// At most `maximumObjects` objects, in caption order.
    public var objects: [Object]
    public var relations: [Relation]
    /// Words the grammar does not use here, in order (unknown words, dangling modifiers, nouns past the limit).
    public var ignored: [String]

    /// One object per grid cell.
    public static let maximumObjects = 9

    /// Parses `caption`; never fails (ShapesTasks-10).
    public init(parsing caption: String) {
        objects = []
        relations = []
        ignored = []
        let words = NormalizedText(normalizing: caption).words.map(\.description)
        // Pending modifiers with the position of their word.
        var quantity: (Int, Int)?, size: (ShapeSize, Int)?, color: (ShapeColor, Int)?
        var pendingRelation: (ShapesRelation, Int)?
        func dropModifiers() {
            for position in [quantity?.1, size?.1, color?.1].compactMap({ $0 }).sorted() { ignored.append(words[position]) }
            quantity = nil; size = nil; color = nil
        }
        var i = 0
        while i < words.count {
            let word = words[i]
            defer { i += 1 }
            if let n = Self.quantities[word] {
                if let quantity { ignored.append(words[quantity.1]) }
                quantity = (n, i)
            } else if let s = ShapeSize(rawValue: word) {
                if let size { ignored.append(words[size.1]) }
                size = (s, i)
            } else if let c = ShapeColor(rawValue: word) {
                if let color { ignored.append(words[color.1]) }
                color = (c, i)
            } else if let shape = ShapeKind.allCases.first(where: { $0.rawValue == word || $0.plural == word }) {
                let count = quantity?.0 ?? 1
                let room = Self.maximumObjects - objects.count
                guard room > 0 else {
                    dropModifiers()
                    ignored.append(word)
                    continue
                }
                let start = objects.count
                objects += Array(repeating: Object(shape, color: color?.0, size: size?.0), count: min(count, room))
                if let (relation, left) = pendingRelation {
                    relations.append(Relation(first: left, relation: relation, second: start))
                    pendingRelation = nil
                }
                quantity = nil; size = nil; color = nil
            } else if let relation = Self.relation(words, at: i) {
                dropModifiers()
                if !objects.isEmpty { pendingRelation = (relation, objects.count - 1) }
                if relation == .leftOf || relation == .rightOf { i += 1 }
            } else if word == "and" {
                dropModifiers()
            } else {
                ignored.append(word)
            }
        }
        dropModifiers()
    }

    /// Quantity words and their counts: `a`, `an`, `one` … `nine`.
    static let quantities: [String: Int] = Dictionary(uniqueKeysWithValues: [("a", 1), ("an", 1)] + (1...9).map { (numberWords[$0], $0) })

    /// The relation starting at `words[i]`, if any (`left of`, `right of`, `above`, `below`).
    static func relation(_ words: [String], at i: Int) -> ShapesRelation? {
        switch words[i] {
        case "above": return .above
        case "below": return .below
        case "left" where i + 1 < words.count && words[i + 1] == "of": return .leftOf
        case "right" where i + 1 < words.count && words[i + 1] == "of": return .rightOf
        default: return nil
        }
    }
}
