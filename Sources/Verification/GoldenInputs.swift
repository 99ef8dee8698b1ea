import Tensor

/// The `inputs` object of a golden case with typed accessors. Every accessor throws `InputError`
/// naming the key, so an evaluator reports bad user input the same way the library does.
public struct GoldenInputs: Sendable {
    public private(set) var object: JSONObject
    /// `"<spec>/<file>#<case id>"`, for messages.
    public let location: String

    public init(_ object: JSONObject, location: String = "inputs") {
        self.object = object
        self.location = location
    }

    public func contains(_ key: String) -> Bool { object[key] != nil && object[key] != .null }

    /// A numeric array (any rank; a bare number is rank 0) converted to `T`.
    public func tensor<T: Scalar>(_ key: String, as type: T.Type = T.self) throws -> Tensor<T> {
        guard let value = object[key], value != .null else { throw InputError.missingInput(argument: key) }
        return try JSONValue.tensor(from: value, argument: key, as: T.self)
    }

    /// `tensor(_:)`, or nil when the key is absent.
    public func optionalTensor<T: Scalar>(_ key: String, as type: T.Type = T.self) throws -> Tensor<T>? {
        contains(key) ? try tensor(key, as: T.self) : nil
    }

    /// A number (or "nan"/"inf"/"-inf"), or nil when absent.
    public func number(_ key: String) throws -> Double? {
        guard contains(key) else { return nil }
        guard let d = object[key]!.numberValue else {
            throw InputError.invalidArgument(argument: key, reason: "expected a number")
        }
        return d
    }

    /// An integer, or nil when absent.
    public func integer(_ key: String) throws -> Int? {
        guard let d = try number(key) else { return nil }
        guard d.isFinite, d == d.rounded(), abs(d) < 9e15 else {
            throw InputError.invalidArgument(argument: key, reason: "expected an integer, got \(d)")
        }
        return Int(d)
    }

    /// A boolean (true/false, or the numbers 0/1), or nil when absent.
    public func bool(_ key: String) throws -> Bool? {
        guard contains(key) else { return nil }
        switch object[key]! {
        case .bool(let b): return b
        case .number(0): return false
        case .number(1): return true
        default: throw InputError.invalidArgument(argument: key, reason: "expected true or false")
        }
    }

    /// A string, or nil when absent.
    public func string(_ key: String) throws -> String? {
        guard contains(key) else { return nil }
        guard case .string(let s) = object[key]! else {
            throw InputError.invalidArgument(argument: key, reason: "expected a string")
        }
        return s
    }

    /// An array of strings, or nil when absent.
    public func strings(_ key: String) throws -> [String]? {
        guard contains(key) else { return nil }
        guard case .array(let items) = object[key]! else {
            throw InputError.invalidArgument(argument: key, reason: "expected an array of strings")
        }
        return try items.enumerated().map { i, v in
            guard case .string(let s) = v else {
                throw InputError.invalidArgument(argument: "\(key)[\(i)]", reason: "expected a string")
            }
            return s
        }
    }

    /// The same inputs with `key` set to `tensor` (used by finite-difference checks).
    public func replacing(_ key: String, with tensor: Tensor<Double>) -> GoldenInputs {
        var copy = self
        copy.object[key] = JSONValue(tensor)
        return copy
    }

    /// The same inputs with `key` set to `value`.
    public func replacing(_ key: String, with value: JSONValue) -> GoldenInputs {
        var copy = self
        copy.object[key] = value
        return copy
    }
}

extension JSONValue {
    /// A nested array of numbers as a tensor; the nesting gives the shape. Booleans count as 0/1.
    /// Every level and element is checked before any storage is reserved, so the storage is
    /// bounded by the elements the value actually holds.
    /// - Throws: `InputError.shapeMismatch` for ragged arrays (naming the first sub-array whose
    ///   extent differs), `invalidArgument` for non-numbers (with the index).
    public static func tensor<T: Scalar>(from value: JSONValue, argument: String, as: T.Type = T.self) throws -> Tensor<T> {
        var shape: [Int] = []
        var probe = value
        while case .array(let items) = probe {
            shape.append(items.count)
            guard let first = items.first else { break }
            probe = first
        }
        func number(_ element: JSONValue, _ index: [Int]) throws -> Double {
            if case .bool(let b) = element { return b ? 1 : 0 }
            guard let d = element.numberValue else {
                throw InputError.invalidArgument(argument: argument, reason: "element \(index) is not a number")
            }
            return d
        }
        var count = 0
        try forEachElement(of: value, shape: shape, argument: argument) { element, index in
            _ = try number(element, index)
            count += 1
        }
        var elements: [T] = []
        elements.reserveCapacity(count)
        try forEachElement(of: value, shape: shape, argument: argument) { element, index in
            elements.append(T(try number(element, index)))
        }
        return try Tensor(shape: shape, elements: elements, argument: argument)
    }

    /// Calls `body` with every element of `value` at depth `shape.count` and its index, in row-major
    /// order, after checking that each array at depth d has `shape[d]` items.
    /// - Throws: `InputError.shapeMismatch` naming the first sub-array whose extent differs.
    private static func forEachElement(of value: JSONValue, shape: [Int], argument: String,
                                       _ body: (JSONValue, [Int]) throws -> Void) throws {
        var index: [Int] = []
        func walk(_ v: JSONValue) throws {
            let depth = index.count
            if depth == shape.count { return try body(v, index) }
            guard case .array(let items) = v, items.count == shape[depth] else {
                let actual: [Int] = if case .array(let items) = v { [items.count] } else { [] }
                throw InputError.shapeMismatch(argument: "\(argument)\(index)", expected: [shape[depth]], actual: actual)
            }
            for (i, item) in items.enumerated() {
                index.append(i)
                try walk(item)
                index.removeLast()
            }
        }
        try walk(value)
    }

    /// A tensor as nested arrays of numbers (non-finite values as the format's strings).
    public init<T: Scalar>(_ tensor: Tensor<T>) {
        func build(_ axis: Int, _ offset: Int, _ stride: Int) -> JSONValue {
            if axis == tensor.rank { return .number(Double(tensor.elements[offset])) }
            let inner = stride / max(tensor.shape[axis], 1)
            return .array((0..<tensor.shape[axis]).map { build(axis + 1, offset + $0 * inner, inner) })
        }
        self = build(0, 0, tensor.count)
    }
}
