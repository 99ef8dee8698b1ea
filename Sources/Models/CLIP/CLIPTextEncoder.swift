import Tensor

/// CLIP's text encoder (transformers' `CLIPTextTransformer`; Specs/CLIP.md CLIP-1, CLIP-2):
/// token embedding + learned position embedding (positions 0…T−1) → encoder layers (Model-12) with
/// causal attention that also skips padded keys → final LayerNorm; the pooled state of row b is the
/// final state at its pooled position (CLIP-2).
///
/// Shapes: ids [B][T] → hidden [B·T, D], pooled [B, D].
public struct CLIPTextEncoder<T: Scalar>: Sendable {
    public var tokenEmbedding: Embedding<T>
    /// [max positions, D], read as an embedding of the positions.
    public var positionEmbedding: Embedding<T>
    public var layers: [EncoderLayer<T>]
    public var finalLayerNorm: LayerNorm<T>

    public init(tokenEmbedding: Embedding<T>, positionEmbedding: Embedding<T>, layers: [EncoderLayer<T>], finalLayerNorm: LayerNorm<T>) {
        self.tokenEmbedding = tokenEmbedding; self.positionEmbedding = positionEmbedding
        self.layers = layers; self.finalLayerNorm = finalLayerNorm
    }

    /// The encoder of `t` with every weight zero.
    public init(zerosFor t: CLIPTextConfiguration) {
        let eps = T(t.layerNormEpsilon)
        self.init(tokenEmbedding: Embedding(weight: Tensor(shape: [t.vocabularySize, t.hiddenSize])),
                  positionEmbedding: Embedding(weight: Tensor(shape: [t.maxPositions, t.hiddenSize])),
                  layers: (0..<t.layers).map { _ in
                      EncoderLayer(zerosWidth: t.hiddenSize, intermediate: t.intermediateSize, heads: t.heads,
                                   activation: t.activation, epsilon: eps, causal: true)
                  },
                  finalLayerNorm: LayerNorm(weight: Tensor(shape: [t.hiddenSize]), bias: Tensor(shape: [t.hiddenSize]), epsilon: eps))
    }

    public var width: Int { tokenEmbedding.width }

    /// What `backward` needs, and the outputs.
    public struct Pass: Sendable {
        /// x⁰ [B·T, D]: token + position embeddings (CLIP-1).
        public var inputEmbeddings: Tensor<T>
        /// [B·T, D] after the final LayerNorm (CLIP-1).
        public var hidden: Tensor<T>
        /// [B, D] (CLIP-2).
        public var pooled: Tensor<T>
        var ids: [Int]
        var positions: [Int]
        var pooledRows: [Int]
        var batch: SelfAttention<T>.Batch
        var layers: [EncoderLayer<T>.Cache]
        var finalLayerNorm: LayerNorm<T>.Cache
    }

    /// Forward over validated rows (`CLIPBatch.validate`): `pooledPositions[b]` is row b's pooled index.
    /// Activations and caches come from `pool`.
    @_specialize(where T == Float)
    public func forward(tokens: [[Int]], attentionMask: [[Bool]], pooledPositions: [Int], context: inout ForwardContext,
                        pool: TensorPool<T> = TensorPool()) -> Pass {
        let rows = tokens.count, length = tokens.first?.count ?? 0, d = width
        let ids = tokens.flatMap { $0 }
        let positions = (0..<rows).flatMap { _ in Array(0..<length) }
        let x = tokenEmbedding.forward(ids, pool: pool).zipMap(positionEmbedding.forward(positions, pool: pool), pool: pool, +)
        let batch = SelfAttention<T>.Batch(batch: rows, length: length, keyMask: attentionMask.flatMap { $0 })
        let (h, caches) = layers.forward(x, batch: batch, context: &context, pool: pool)
        let (hidden, normCache) = finalLayerNorm.forward(h, pool: pool)
        let pooledRows = pooledPositions.enumerated().map { $0.offset * length + $0.element }
        var pooled = pool.makeTensor(shape: [rows, d])
        for (b, row) in pooledRows.enumerated() {
            pooled.elements.replaceSubrange((b * d)..<(b * d + d), with: hidden.elements[(row * d)..<(row * d + d)])
        }
        return Pass(inputEmbeddings: x, hidden: hidden, pooled: pool.keep(pooled), ids: ids, positions: positions, pooledRows: pooledRows,
                    batch: batch, layers: caches, finalLayerNorm: normCache)
    }

    /// Accumulates every trainable parameter's gradient from ∂L/∂pooled [B, D] (and ∂L/∂hidden when
    /// given). Temporaries come from `pool`.
    @_specialize(where T == Float)
    public mutating func backward(_ pass: Pass, pooledGradient: Tensor<T>, hiddenGradient: Tensor<T>? = nil,
                                  pool: TensorPool<T> = TensorPool()) {
        let d = width
        var g = hiddenGradient ?? pool.makeTensor(shape: pass.hidden.shape)
        for (b, row) in pass.pooledRows.enumerated() {
            for j in 0..<d { g.elements[row * d + j] += pooledGradient.elements[b * d + j] }
        }
        if hiddenGradient == nil { pool.keep(g) }
        g = layers.backward(finalLayerNorm.backward(g, cache: pass.finalLayerNorm, pool: pool), caches: pass.layers,
                            batch: pass.batch, pool: pool)
        tokenEmbedding.backward(g, ids: pass.ids)
        positionEmbedding.backward(g, ids: pass.positions)
    }
}
