/// A spatial relation between two scene objects: Specs/ShapesTasks.md ShapesTasks-3 (strict grid
/// comparisons; objects in one column are neither left nor right of each other).
public enum ShapesRelation: String, CaseIterable, Sendable {
    case leftOf = "left of", rightOf = "right of", above, below

    /// Whether `a` stands in this relation to `b`.
    public func holds(_ a: SceneObject, _ b: SceneObject) -> Bool {
        switch self {
        case .leftOf: a.column < b.column
        case .rightOf: a.column > b.column
        case .above: a.row < b.row
        case .below: a.row > b.row
        }
    }

    /// The relation a detailed caption names for `a` with respect to `b` (ShapesTasks-9): left/right
    /// when the columns differ, else above/below.
    public static func describing(_ a: SceneObject, _ b: SceneObject) -> ShapesRelation {
        if a.column != b.column { return a.column < b.column ? .leftOf : .rightOf }
        return a.row < b.row ? .above : .below
    }
}
