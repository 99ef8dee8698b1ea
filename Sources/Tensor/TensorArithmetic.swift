// Element-wise arithmetic, maps and reductions on `Tensor`. Shapes of both operands must be equal
// (no broadcasting: explicit is safer in reference code); a mismatch is a programming error.

extension Tensor {
    /// A tensor of the same shape with `transform` applied to every element.
    @inlinable public func map(_ transform: (T) -> T) -> Tensor {
        var out = self
        for i in out.elements.indices { out.elements[i] = transform(out.elements[i]) }
        return out
    }

    /// Combines two tensors of equal shape element by element.
    @inlinable public func zipMap(_ other: Tensor, _ combine: (T, T) -> T) -> Tensor {
        precondition(shape == other.shape, "shape \(shape) differs from \(other.shape)")
        var out = self
        for i in out.elements.indices { out.elements[i] = combine(elements[i], other.elements[i]) }
        return out
    }

    @inlinable public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, +) }
    @inlinable public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, -) }
    @inlinable public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, *) }
    @inlinable public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, /) }
    @inlinable public static func * (lhs: T, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
    @inlinable public static prefix func - (x: Tensor) -> Tensor { x.map { -$0 } }

    /// Sum of all elements, accumulated in order.
    @inlinable public func sum() -> T { elements.reduce(0, +) }

    /// Σ self·other over all elements (the Frobenius inner product).
    @inlinable public func dot(_ other: Tensor) -> T {
        precondition(shape == other.shape, "shape \(shape) differs from \(other.shape)")
        var acc: T = 0
        for i in elements.indices { acc += elements[i] * other.elements[i] }
        return acc
    }
}

extension Tensor {
    /// Matrix product of two rank-2 tensors through BLAS gemm: self [m,k] · other [k,n] → [m,n],
    /// with optional transposes of either operand.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul needs rank-2 tensors, got \(shape) and \(other.shape)")
        let (m, k) = transposeSelf ? (shape[1], shape[0]) : (shape[0], shape[1])
        let (k2, n) = transposeOther ? (other.shape[1], other.shape[0]) : (other.shape[0], other.shape[1])
        precondition(k == k2, "matmul inner dimensions differ: \(shape) and \(other.shape)")
        var out = Tensor(shape: [m, n])
        elements.withUnsafeBufferPointer { a in
            other.elements.withUnsafeBufferPointer { b in
                out.elements.withUnsafeMutableBufferPointer { c in
                    T.gemm(transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                           alpha: 1, a: a, lda: shape[1], b: b, ldb: other.shape[1],
                           beta: 0, c: c, ldc: n)
                }
            }
        }
        return out
    }
}
