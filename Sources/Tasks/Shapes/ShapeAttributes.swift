import Tensor

/// The shapes a scene object can have (Specs/ShapesTasks.md, scene model).
public enum ShapeKind: String, CaseIterable, Sendable, Hashable {
    case circle, square, triangle

    /// The plural noun captions and count questions use (`circles`).
    public var plural: String { rawValue + "s" }
}

/// The palette: four clearly distinct hues, drawn with the `Color` constants of the same names.
public enum ShapeColor: String, CaseIterable, Sendable, Hashable {
    case red, green, blue, yellow

    /// The RGB colour the renderer paints.
    public var rgb: Color {
        switch self {
        case .red: .red
        case .green: .green
        case .blue: .blue
        case .yellow: .yellow
        }
    }
}

/// Object sizes; `side` is the box side in pixels (Specs/ShapesTasks.md ShapesTasks-1).
public enum ShapeSize: String, CaseIterable, Sendable, Hashable {
    case small, large

    public var side: Int {
        switch self {
        case .small: 12
        case .large: 20
        }
    }
}

/// Number words for counts and caption quantities: `numberWords[n]` spells `n` (0…9).
public let numberWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

extension SeededGenerator {
    /// A uniform element of a non-empty array.
    mutating func element<T>(of items: [T]) -> T {
        items[nextInt(below: items.count)]
    }

    /// A uniform permutation of `items` (Fisher–Yates from the back, one `nextInt` per position).
    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var result = items
        for i in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(i, nextInt(below: i + 1))
        }
        return result
    }
}
