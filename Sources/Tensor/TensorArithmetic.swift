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

    /// `map` on a tensor from `pool` (kept for reuse).
    @inlinable public func map(pool: TensorPool<T>, _ transform: (T) -> T) -> Tensor {
        var out = pool.makeTensor(shape: shape)
        for i in out.elements.indices { out.elements[i] = transform(elements[i]) }
        return pool.keep(out)
    }

    /// `zipMap` on a tensor from `pool` (kept for reuse).
    @inlinable public func zipMap(_ other: Tensor, pool: TensorPool<T>, _ combine: (T, T) -> T) -> Tensor {
        precondition(shape == other.shape, "shape \(shape) differs from \(other.shape)")
        var out = pool.makeTensor(shape: shape)
        for i in out.elements.indices { out.elements[i] = combine(elements[i], other.elements[i]) }
        return pool.keep(out)
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
    /// with optional transposes of either operand; the result comes from `pool` (and is kept for
    /// reuse) when one is given.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false,
                       pool: TensorPool<T>? = nil) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul needs rank-2 tensors, got \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[1] : shape[0], n = transposeOther ? other.shape[0] : other.shape[1]
        var out = pool?.makeTensor(shape: [m, n]) ?? Tensor(shape: [m, n])
        out.setProduct(self, other, transposeA: transposeSelf, transposeB: transposeOther)
        return pool?.keep(out) ?? out
    }

    /// self [m,n] ← op(a)·op(b) through BLAS gemm (β = 0: the previous elements are overwritten).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public mutating func setProduct(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) {
        precondition(a.rank == 2 && b.rank == 2, "matmul needs rank-2 tensors, got \(a.shape) and \(b.shape)")
        let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (k2, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        precondition(k == k2, "matmul inner dimensions differ: \(a.shape) and \(b.shape)")
        precondition(shape == [m, n], "matmul result \(shape) for [\(m), \(n)]")
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                elements.withUnsafeMutableBufferPointer { pc in
                    T.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                           alpha: 1, a: pa, lda: a.shape[1], b: pb, ldb: b.shape[1],
                           beta: 0, c: pc, ldc: n)
                }
            }
        }
    }
}
