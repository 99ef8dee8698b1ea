import Tensor

/// Extents of one multi-head attention call.
public struct AttentionShape: Sendable, Equatable {
    public var batch: Int
    public var length: Int
    public var heads: Int
    /// Key/value heads; query head h reads key/value head h / (heads / keyValueHeads).
    public var keyValueHeads: Int
    public var headDimension: Int

    public init(batch: Int, length: Int, heads: Int, keyValueHeads: Int, headDimension: Int) {
        precondition(heads % keyValueHeads == 0, "heads must be a multiple of key/value heads")
        self.batch = batch; self.length = length; self.heads = heads
        self.keyValueHeads = keyValueHeads; self.headDimension = headDimension
    }
}

/// Scaled dot-product attention with padding and causal masks and grouped-query heads
/// (Specs/Model.md Model-7): O = softmax(Q·Kᵀ/√d + M)·V per batch row and head.
///
/// Layout: q [B·T, H·d], k and v [B·T, H_kv·d] (rows are (batch, time), a head's features are
/// contiguous, as transformers' projections produce before `view(B, T, H, d)`). `keyMask` [B·T]
/// marks valid keys; with `causal`, query t sees keys ≤ t. A query row that sees no key outputs 0
/// (and passes no gradient). Returns the output [B·T, H·d] and the probabilities [B·H·T·T], both
/// from `pool`.
@_specialize(where T == Float)
public func attentionForward<T: Scalar>(
    query q: Tensor<T>, key k: Tensor<T>, value v: Tensor<T>, shape s: AttentionShape,
    keyMask: [Bool], causal: Bool, pool: TensorPool<T> = TensorPool()
) -> (output: Tensor<T>, probabilities: [T]) {
    let (t, d) = (s.length, s.headDimension)
    let qWidth = s.heads * d, kvWidth = s.keyValueHeads * d
    precondition(q.shape == [s.batch * t, qWidth] && k.shape == [s.batch * t, kvWidth] && v.shape == k.shape
                 && keyMask.count == s.batch * t, "attention: shapes \(q.shape), \(k.shape), \(v.shape)")
    let group = s.heads / s.keyValueHeads
    let scale = 1 / T(d).squareRoot()
    var output = pool.makeTensor(shape: q.shape)
    var probabilities = pool.makeTensor(shape: [s.batch * s.heads * t * t])
    var scores = pool.makeTensor(shape: [t * t])
    for b in 0..<s.batch {
        for h in 0..<s.heads {
            let kvHead = h / group
            T.gemm(transposeA: false, transposeB: true, m: t, n: t, k: d, alpha: scale,
                   a: q.elements, aOffset: b * t * qWidth + h * d, lda: qWidth,
                   b: k.elements, bOffset: b * t * kvWidth + kvHead * d, ldb: kvWidth,
                   beta: 0, c: &scores.elements, ldc: t)
            let base = (b * s.heads + h) * t * t
            for i in 0..<t {
                var maximum = -T.infinity
                for j in 0..<t where keyMask[b * t + j] && (!causal || j <= i) {
                    maximum = max(maximum, scores.elements[i * t + j])
                }
                guard maximum > -T.infinity else { continue }   // no visible key: the row stays 0
                var total: T = 0
                for j in 0..<t where keyMask[b * t + j] && (!causal || j <= i) {
                    let e = T.exp(scores.elements[i * t + j] - maximum)
                    probabilities.elements[base + i * t + j] = e
                    total += e
                }
                for j in 0..<t { probabilities.elements[base + i * t + j] /= total }
            }
            T.gemm(transposeA: false, transposeB: false, m: t, n: d, k: t, alpha: 1,
                   a: probabilities.elements, aOffset: base, lda: t,
                   b: v.elements, bOffset: b * t * kvWidth + kvHead * d, ldb: kvWidth,
                   beta: 0, c: &output.elements, cOffset: b * t * qWidth + h * d, ldc: qWidth)
        }
    }
    pool.keep(scores)
    return (pool.keep(output), pool.keep(probabilities).elements)
}

/// The vector–Jacobian product of `attentionForward` (Model-7 backward), per batch row and head with
/// P the probabilities: dV += Pᵀ·dO; dP = dO·Vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P)); dQ = dS·K/√d;
/// dK += dSᵀ·Q/√d. Key/value gradients sum over the query heads that share them. The gradients come
/// from `pool`.
@_specialize(where T == Float)
public func attentionBackward<T: Scalar>(
    outputGradient dO: Tensor<T>, query q: Tensor<T>, key k: Tensor<T>, value v: Tensor<T>,
    probabilities: [T], shape s: AttentionShape, pool: TensorPool<T> = TensorPool()
) -> (query: Tensor<T>, key: Tensor<T>, value: Tensor<T>) {
    let (t, d) = (s.length, s.headDimension)
    let qWidth = s.heads * d, kvWidth = s.keyValueHeads * d
    let group = s.heads / s.keyValueHeads
    let scale = 1 / T(d).squareRoot()
    var dq = pool.makeTensor(shape: q.shape), dk = pool.makeTensor(shape: k.shape), dv = pool.makeTensor(shape: v.shape)
    var dP = pool.makeTensor(shape: [t * t])
    for b in 0..<s.batch {
        for h in 0..<s.heads {
            let kvHead = h / group
            let base = (b * s.heads + h) * t * t
            let qOffset = b * t * qWidth + h * d, kvOffset = b * t * kvWidth + kvHead * d
            T.gemm(transposeA: true, transposeB: false, m: t, n: d, k: t, alpha: 1,
                   a: probabilities, aOffset: base, lda: t, b: dO.elements, bOffset: qOffset, ldb: qWidth,
                   beta: 1, c: &dv.elements, cOffset: kvOffset, ldc: kvWidth)
            T.gemm(transposeA: false, transposeB: true, m: t, n: t, k: d, alpha: 1,
                   a: dO.elements, aOffset: qOffset, lda: qWidth, b: v.elements, bOffset: kvOffset, ldb: kvWidth,
                   beta: 0, c: &dP.elements, ldc: t)
            for i in 0..<t {
                var dot: T = 0
                for j in 0..<t { dot += dP.elements[i * t + j] * probabilities[base + i * t + j] }
                for j in 0..<t { dP.elements[i * t + j] = probabilities[base + i * t + j] * (dP.elements[i * t + j] - dot) }
            }
            T.gemm(transposeA: false, transposeB: false, m: t, n: d, k: t, alpha: scale,
                   a: dP.elements, lda: t, b: k.elements, bOffset: kvOffset, ldb: kvWidth,
                   beta: 0, c: &dq.elements, cOffset: qOffset, ldc: qWidth)
            T.gemm(transposeA: true, transposeB: false, m: t, n: d, k: t, alpha: scale,
                   a: dP.elements, lda: t, b: q.elements, bOffset: qOffset, ldb: qWidth,
                   beta: 1, c: &dk.elements, cOffset: kvOffset, ldc: kvWidth)
        }
    }
    pool.keep(dP)
    return (pool.keep(dq), pool.keep(dk), pool.keep(dv))
}
