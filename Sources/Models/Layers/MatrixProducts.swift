import Tensor

// Shorthands over `Scalar.gemm` for the [rows, features] activations every layer passes around.

extension Tensor {
    /// self [n, k] · otherᵀ where other is [m, k] → [n, m] (a Linear layer's x·Wᵀ), from `pool`.
    @inlinable func timesTransposed(_ other: Tensor, pool: TensorPool<T>) -> Tensor {
        matmul(other, transposeOther: true, pool: pool)
    }

    /// self += α·aᵀ·b with a [n, p] and b [n, q] and self [p, q] (weight gradients dyᵀ·x).
    @inlinable mutating func addTransposedProduct(_ a: Tensor, _ b: Tensor, scale: T = 1) {
        precondition(a.rank == 2 && b.rank == 2 && rank == 2 && a.shape[0] == b.shape[0]
                     && shape == [a.shape[1], b.shape[1]], "addTransposedProduct: shapes \(a.shape), \(b.shape) into \(shape)")
        T.gemm(transposeA: true, transposeB: false, m: shape[0], n: shape[1], k: a.shape[0], alpha: scale,
               a: a.elements, lda: a.shape[1], b: b.elements, ldb: b.shape[1], beta: 1, c: &elements, ldc: shape[1])
    }

    /// self += α·a·b with a [n, k], b [k, m] and self [n, m].
    @inlinable mutating func addProduct(_ a: Tensor, _ b: Tensor, scale: T = 1) {
        precondition(a.rank == 2 && b.rank == 2 && rank == 2 && a.shape[1] == b.shape[0]
                     && shape == [a.shape[0], b.shape[1]], "addProduct: shapes \(a.shape), \(b.shape) into \(shape)")
        T.gemm(transposeA: false, transposeB: false, m: shape[0], n: shape[1], k: a.shape[1], alpha: scale,
               a: a.elements, lda: a.shape[1], b: b.elements, ldb: b.shape[1], beta: 1, c: &elements, ldc: shape[1])
    }

    /// Adds `vector` [m] to every row of self [n, m].
    @inlinable mutating func addRowVector(_ vector: Tensor) {
        let m = shape[rank - 1]
        precondition(vector.count == m, "addRowVector: \(vector.shape) onto rows of \(shape)")
        for row in 0..<(count / Swift.max(m, 1)) {
            let base = row * m
            for j in 0..<m { elements[base + j] += vector.elements[j] }
        }
    }

    /// Σ over rows of self [n, m] → [m], from `pool`.
    @inlinable func columnSums(pool: TensorPool<T>) -> Tensor {
        let m = shape[rank - 1]
        var out = pool.makeTensor(shape: [m])
        for row in 0..<(count / Swift.max(m, 1)) {
            let base = row * m
            for j in 0..<m { out.elements[j] += elements[base + j] }
        }
        return pool.keep(out)
    }
}
