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
    /// - Throws: `missingInput` when absent, `shapeMismatch` unless the value is a rank-2 array
    ///   (ragged or flat arrays included), `invalidArgument` for non-numbers.
    func matrix<T: Scalar>(_ key: String, as type: T.Type = T.self) throws -> Tensor<T> {
        let t: Tensor<T> = try tensor(key)
        if t.shape == [0] { return Tensor(shape: [0, 0]) }
        guard t.rank == 2 else { throw InputError.shapeMismatch(argument: key, expected: [-1, -1], actual: t.shape) }
        return t
    }
}
