import Tensor
import Verification

extension GoldenInputs {
    /// `tensor(_:)` for inputs whose Spec calls a ragged array a shape error: throws
    /// `shapeMismatch` (not `invalidArgument`) when the nested arrays' lengths differ at any depth.
    func rectangularTensor<T: Scalar>(_ key: String, as type: T.Type = T.self) throws -> Tensor<T> {
        guard let value = object[key], value != .null else { throw InputError.missingInput(argument: key) }
        var shape: [Int] = []
        var probe = value
        while case .array(let items) = probe {
            shape.append(items.count)
            guard let first = items.first else { break }
            probe = first
        }
        func check(_ v: JSONValue, depth: Int) throws {
            guard depth < shape.count else { return }
            guard case .array(let items) = v, items.count == shape[depth] else {
                throw InputError.shapeMismatch(argument: key, expected: shape, actual: [])
            }
            for item in items { try check(item, depth: depth + 1) }
        }
        try check(value, depth: 0)
        return try tensor(key, as: T.self)
    }
}
