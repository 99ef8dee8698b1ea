import Tensor
import Verification

extension GoldenInputs {
    /// An array of integers, or nil when the key is absent.
    /// - Throws: `InputError.invalidArgument` when the value is not a flat array of integers.
    func integers(_ key: String) throws -> [Int]? {
        guard let values = try optionalTensor(key, as: Double.self) else { return nil }
        guard values.rank == 1 else {
            throw InputError.invalidArgument(argument: key, reason: "expected an array of integers")
        }
        return try values.elements.map { value in
            guard value.isFinite, value == value.rounded(), abs(value) < 9e15 else {
                throw InputError.invalidArgument(argument: key, reason: "expected integers, got \(value)")
            }
            return Int(value)
        }
    }

    /// A matrix given as an array of equal-length rows; `[]` is the 0×0 matrix.
    /// - Throws: `InputError.missingInput` when absent, `shapeMismatch` when the value is not an
    ///   array of arrays of one length (a ragged or flat array), `invalidArgument` for non-numbers.
    func matrix<T: Scalar>(_ key: String, as type: T.Type = T.self) throws -> Tensor<T> {
        guard contains(key), let value = object[key] else { throw InputError.missingInput(argument: key) }
        guard case .array(let rows) = value else {
            throw InputError.shapeMismatch(argument: key, expected: [-1, -1], actual: [])
        }
        var width: Int?
        for row in rows {
            guard case .array(let items) = row, items.count == (width ?? items.count) else {
                throw InputError.shapeMismatch(argument: key, expected: [rows.count, width ?? -1], actual: [])
            }
            width = items.count
        }
        if rows.isEmpty { return Tensor(shape: [0, 0]) }
        let matrix = try JSONValue.tensor(from: value, argument: key, as: T.self)
        guard matrix.rank == 2 else {
            throw InputError.shapeMismatch(argument: key, expected: [rows.count, width ?? -1], actual: matrix.shape)
        }
        return matrix
    }
}
