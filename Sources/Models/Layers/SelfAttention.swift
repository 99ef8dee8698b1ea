import Tensor

/// Multi-head self-attention with projections: Llama's (no biases, rotary, causal, grouped-query)
/// and CLIP's (biases, no rotary, bidirectional). Specs/Model.md Model-12 and Model-13 compose it.
///
/// x [B·T, D] → q = x·W_qᵀ (+b), k, v likewise, rotary on q and k, attention (Model-7), out = O·W_oᵀ (+b).
public struct SelfAttention<T: Scalar>: Sendable {
    public var query: Linear<T>
    public var key: Linear<T>
    public var value: Linear<T>
    public var output: Linear<T>
    public var heads: Int
    public var keyValueHeads: Int
    public var rotary: RotaryEmbedding?
    public var isCausal: Bool

    public var headDimension: Int { query.outputFeatures / heads }

    public init(query: Linear<T>, key: Linear<T>, value: Linear<T>, output: Linear<T>, heads: Int,
                keyValueHeads: Int, rotary: RotaryEmbedding?, isCausal: Bool) {
        self.query = query; self.key = key; self.value = value; self.output = output
        self.heads = heads; self.keyValueHeads = keyValueHeads; self.rotary = rotary; self.isCausal = isCausal
    }

    /// Rows, their positions and which of them are valid keys: what every layer of one pass shares.
    public struct Batch: Sendable {
        public var batch: Int
        public var length: Int
        public var keyMask: [Bool]
        /// Rotary tables [B·T, d] (empty when the stack has no rotary embedding).
        var cosTable: [T] = []
        var sinTable: [T] = []

        public init(batch: Int, length: Int, keyMask: [Bool]) {
            self.batch = batch; self.length = length; self.keyMask = keyMask
        }

        /// Fills the rotary tables for one position per row ([B·T] positions, row-major).
        public mutating func setRotaryTables(_ rotary: RotaryEmbedding, positions: [Int]) {
            (cosTable, sinTable) = rotary.tables(positions: positions, as: T.self)
        }
    }

    public struct Cache: Sendable {
        var query, key, value, output: Linear<T>.Cache
        var rotatedQuery, rotatedKey, values: Tensor<T>
        var probabilities: [T]
    }

    func attentionShape(_ batch: Batch) -> AttentionShape {
        AttentionShape(batch: batch.batch, length: batch.length, heads: heads, keyValueHeads: keyValueHeads,
                       headDimension: headDimension)
    }

    /// The output and the cache come from `pool`.
    @_specialize(where T == Float)
    public func forward(_ x: Tensor<T>, batch: Batch, context: inout ForwardContext,
                        pool: TensorPool<T> = TensorPool()) -> (Tensor<T>, Cache) {
        var (q, qCache) = query.forward(x, context: &context, pool: pool)
        var (k, kCache) = key.forward(x, context: &context, pool: pool)
        let (v, vCache) = value.forward(x, context: &context, pool: pool)
        if let rotary {
            q = rotary.rotated(q, cos: batch.cosTable, sin: batch.sinTable, pool: pool)
            k = rotary.rotated(k, cos: batch.cosTable, sin: batch.sinTable, pool: pool)
        }
        let (o, p) = attentionForward(query: q, key: k, value: v, shape: attentionShape(batch), keyMask: batch.keyMask,
                                      causal: isCausal, pool: pool)
        let (y, oCache) = output.forward(o, context: &context, pool: pool)
        return (y, Cache(query: qCache, key: kCache, value: vCache, output: oCache, rotatedQuery: q, rotatedKey: k,
                         values: v, probabilities: p))
    }

    /// ∂L/∂x and the temporaries come from `pool`.
    @_specialize(where T == Float)
    public mutating func backward(_ dy: Tensor<T>, cache: Cache, batch: Batch, pool: TensorPool<T> = TensorPool()) -> Tensor<T> {
        let dO = output.backward(dy, cache: cache.output, pool: pool)!
        var (dq, dk, dv) = attentionBackward(outputGradient: dO, query: cache.rotatedQuery, key: cache.rotatedKey,
                                             value: cache.values, probabilities: cache.probabilities,
                                             shape: attentionShape(batch), pool: pool)
        if let rotary {
            dq = rotary.rotated(dq, cos: batch.cosTable, sin: batch.sinTable, inverse: true, pool: pool)
            dk = rotary.rotated(dk, cos: batch.cosTable, sin: batch.sinTable, inverse: true, pool: pool)
        }
        var dx = query.backward(dq, cache: cache.query, pool: pool)!
        dx = dx.zipMap(key.backward(dk, cache: cache.key, pool: pool)!, pool: pool, +)
        dx = dx.zipMap(value.backward(dv, cache: cache.value, pool: pool)!, pool: pool, +)
        return dx
    }
}
