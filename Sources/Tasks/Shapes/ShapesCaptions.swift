/// The reference captions of a scene at three detail levels: Specs/ShapesTasks.md ShapesTasks-9.
public struct ShapesCaptions: Equatable, Sendable {
    /// `a {color} {shape}` of the first object in reading order.
    public let brief: String
    /// Every object, grouped by (colour, shape) with counts, joined by `and`.
    public let objects: String
    /// Every object with its size, grouped by (size, colour, shape); the first two groups joined by their
    /// relation when both are single objects.
    public let detailed: String

    public init(scene: ShapesScene) {
        let ordered = scene.readingOrder
        let first = ordered[0]
        brief = "a \(first.name)"
        objects = Self.groups(ordered) { $0.name }.map { Self.phrase(count: $0.count, words: $0[0].color.rawValue, $0[0].shape) }
            .joined(separator: " and ")
        let detailedGroups = Self.groups(ordered) { "\($0.size.rawValue) \($0.name)" }
        var phrases = detailedGroups.map { Self.phrase(count: $0.count, words: "\($0[0].size.rawValue) \($0[0].color.rawValue)", $0[0].shape) }
        if detailedGroups.count >= 2, detailedGroups[0].count == 1, detailedGroups[1].count == 1 {
            let relation = ShapesRelation.describing(detailedGroups[0][0], detailedGroups[1][0])
            phrases[0...1] = ["\(phrases[0]) \(relation.rawValue) \(phrases[1])"]
        }
        detailed = phrases.joined(separator: " and ")
    }

    /// `[brief, objects, detailed]`, the order `TaskExample.references` holds them in.
    public var all: [String] { [brief, objects, detailed] }

    /// Objects grouped by equal key, groups in the order of their first member.
    static func groups(_ objects: [SceneObject], key: (SceneObject) -> String) -> [[SceneObject]] {
        var order: [String] = [], members: [String: [SceneObject]] = [:]
        for o in objects {
            let k = key(o)
            if members[k] == nil { order.append(k) }
            members[k, default: []].append(o)
        }
        return order.map { members[$0]! }
    }

    /// `a {words} {shape}` or `{number} {words} {shape}s`.
    static func phrase(count: Int, words: String, _ shape: ShapeKind) -> String {
        count == 1 ? "a \(words) \(shape.rawValue)" : "\(numberWords[count]) \(words) \(shape.plural)"
    }
}
