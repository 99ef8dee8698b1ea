import Tensor

/// A token embedding table (Specs/Model.md Model-3): ids [N] → rows of `weight` [V, D] → [N, D].
public struct Embedding<T: Scalar>: Sendable {
    public var weight: Parameter<T>

    public init(weight: Tensor<T>) { self.weight = Parameter(weight) }

    public var vocabularySize: Int { weight.value.shape[0] }
    public var width: Int { weight.value.shape[1] }

    /// The rows of `ids` (a tensor from `pool`); every id must lie in [0, V) (callers validate user
    /// input first).
    @_specialize(where T == Float)
    public func forward(_ ids: [Int], pool: TensorPool<T> = TensorPool()) -> Tensor<T> {
        let d = width
        var y = pool.makeTensor(shape: [ids.count, d])
        for (row, id) in ids.enumerated() {
            precondition((0..<vocabularySize).contains(id), "token id \(id) outside the vocabulary")
            y.elements.replaceSubrange((row * d)..<(row * d + d), with: weight.value.elements[(id * d)..<(id * d + d)])
        }
        return pool.keep(y)
    }

    /// dW[id] += dy[row] for every row not in `skipping` (rows whose embedding was replaced).
    @_specialize(where T == Float)
    public mutating func backward(_ dy: Tensor<T>, ids: [Int], skipping: Set<Int> = []) {
        guard weight.isTrainable else { return }
        let d = width
        for (row, id) in ids.enumerated() where !skipping.contains(row) {
            for j in 0..<d { weight.gradient.elements[id * d + j] += dy.elements[row * d + j] }
        }
    }
}
