import Tensor

/// Token ids of a batch of B rows and T positions, row-major (the `tokens` input of
/// Specs/TokenLogProbs.md, Specs/CoTLogProb.md and Specs/VLRMA2C.md).
///
/// Ids are plain integers with no range check here: each Spec says which range it accepts and at
/// which positions (padding may hold −100 or any other placeholder).
public struct TokenIDs: Sendable, Equatable {
    /// [B, T].
    public let shape: [Int]
    /// The ids in row-major order.
    public let ids: [Int]

    /// Ids of `shape` [B, T] in row-major order.
    /// - Throws: `shapeMismatch` naming `argument` when `shape` is not rank 2 or does not match the count.
    public init(shape: [Int], ids: [Int], argument: String = "tokens") throws {
        guard shape.count == 2, shape.allSatisfy({ $0 >= 0 }), shape[0] * shape[1] == ids.count else {
            throw InputError.shapeMismatch(argument: argument, expected: [-1, -1], actual: shape)
        }
        self.shape = shape
        self.ids = ids
    }

    /// Ids read from a [B, T] tensor of integral numbers (how JSON and array libraries carry them).
    /// - Throws: `shapeMismatch` when `tensor` is not rank 2, `invalidArgument` at the first entry
    ///   that is not an integer (NaN and infinities included), both naming `argument`.
    public init<T: Scalar>(_ tensor: Tensor<T>, argument: String = "tokens") throws {
        guard tensor.rank == 2 else {
            throw InputError.shapeMismatch(argument: argument, expected: [-1, -1], actual: tensor.shape)
        }
        var ids: [Int] = []
        ids.reserveCapacity(tensor.count)
        for (i, x) in tensor.elements.enumerated() {
            guard x.isFinite, x == x.rounded(), abs(x) < 9e15 else {
                throw InputError.invalidArgument(argument: argument,
                                                 reason: "token ids must be integers, found \(x) at \(tensor.index(ofFlat: i))")
            }
            ids.append(Int(x))
        }
        try self.init(shape: tensor.shape, ids: ids, argument: argument)
    }

    /// B.
    public var rows: Int { shape[0] }
    /// T.
    public var columns: Int { shape[1] }

    /// The id at row `b`, position `t`.
    public subscript(b: Int, t: Int) -> Int { ids[b * shape[1] + t] }
}
