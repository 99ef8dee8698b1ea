import Tensor

/// One object of a shapes scene: shape, colour, size and its cell on the 3×3 grid
/// (Specs/ShapesTasks.md, scene model).
public struct SceneObject: Equatable, Hashable, Sendable {
    public var shape: ShapeKind
    public var color: ShapeColor
    public var size: ShapeSize
    /// 0…2, left to right.
    public var column: Int
    /// 0…2, top to bottom.
    public var row: Int

    public init(_ shape: ShapeKind, _ color: ShapeColor, _ size: ShapeSize, column: Int, row: Int) {
        self.shape = shape
        self.color = color
        self.size = size
        self.column = column
        self.row = row
    }

    /// The cell index `3·row + column`.
    public var cell: Int { 3 * row + column }

    /// The centre in canvas coordinates: Specs/ShapesTasks.md ShapesTasks-1.
    public var center: (x: Int, y: Int) { (ShapesScene.cellOrigin + ShapesScene.cellPitch * column,
                                           ShapesScene.cellOrigin + ShapesScene.cellPitch * row) }

    /// `color shape` as a caption or question writes it (`red circle`).
    public var name: String { "\(color.rawValue) \(shape.rawValue)" }
}

/// A scene: 1…9 objects in distinct cells of a 3×3 grid on a 64×64 canvas. Objects are painted in
/// list order; `readingOrder` sorts them by row, then column.
public struct ShapesScene: Equatable, Hashable, Sendable {
    public static let imageSize = 64
    public static let gridSize = 3
    /// Centre of cell 0 and the distance between cell centres (ShapesTasks-1).
    public static let cellOrigin = 11
    public static let cellPitch = 21

    public let objects: [SceneObject]

    /// - Throws: `InputError.invalidArgument` (`objects`) when there is no object, a column or row
    ///   lies outside 0…2, or two objects share a cell.
    public init(objects: [SceneObject]) throws {
        guard !objects.isEmpty else { throw InputError.invalidArgument(argument: "objects", reason: "a scene needs at least one object") }
        for (i, o) in objects.enumerated() where !(0..<Self.gridSize).contains(o.column) || !(0..<Self.gridSize).contains(o.row) {
            throw InputError.invalidArgument(argument: "objects", reason: "object \(i) lies outside the 3x3 grid")
        }
        guard Set(objects.map(\.cell)).count == objects.count else {
            throw InputError.invalidArgument(argument: "objects", reason: "two objects share a cell")
        }
        self.objects = objects
    }

    /// Objects sorted by (row, column).
    public var readingOrder: [SceneObject] { objects.sorted { ($0.row, $0.column) < ($1.row, $1.column) } }

    /// The scene as one line of text (reading order, `size color shape@column,row`): the content key
    /// the split rule hashes and a readable description for logs.
    public var description: String {
        readingOrder.map { "\($0.size.rawValue) \($0.name)@\($0.column),\($0.row)" }.joined(separator: "; ")
    }
}
