// Numerically stable log-sum-exp and log-softmax over the last axis.

extension Tensor {
    /// log Σ_j exp(x_j) over the last axis: shape [..., n] → [...].
    ///
    /// Stable for any finite inputs (the maximum is subtracted first). Entries of -inf contribute
    /// nothing; a row that is entirely -inf gives -inf; a +inf entry gives +inf; NaN propagates.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func logSumExpLastAxis() -> Tensor {
        precondition(rank >= 1, "logSumExp needs rank >= 1")
        let n = shape[rank - 1]
        var out = Tensor(shape: Array(shape.dropLast()))
        for row in 0..<out.count {
            out.elements[row] = Tensor.logSumExp(elements[(row * n)..<(row * n + n)])
        }
        return out
    }

    /// log-softmax over the last axis: x_j − logΣexp(x). Entries of -inf stay -inf.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func logSoftmaxLastAxis() -> Tensor {
        precondition(rank >= 1, "logSoftmax needs rank >= 1")
        let n = shape[rank - 1]
        var out = self
        for row in 0..<(n == 0 ? 0 : count / n) {
            let lse = Tensor.logSumExp(elements[(row * n)..<(row * n + n)])
            for j in (row * n)..<(row * n + n) { out.elements[j] = elements[j] - lse }
        }
        return out
    }

    /// log Σ exp over a slice, shifting by the maximum.
    @usableFromInline
    static func logSumExp(_ xs: ArraySlice<T>) -> T {
        guard var m = xs.first else { return -T.infinity }
        for x in xs {
            if x.isNaN { return x }
            if x > m { m = x }
        }
        if m == -T.infinity || m == T.infinity { return m }
        var acc: T = 0
        for x in xs { acc += T.exp(x - m) }
        return m + T.log(acc)
    }
}
