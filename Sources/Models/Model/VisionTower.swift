import Tensor

/// The CLIP-style vision tower up to the hidden state LLaVA selects (Specs/Model.md Model-11, Model-12):
/// patch embedding → pre-LayerNorm → the first `layersUsed` encoder layers.
/// pixels [I, C, S, S] → hidden states [I·(P+1), D].
public struct VisionTower<T: Scalar>: Sendable {
    public var embeddings: PatchEmbedding<T>
    public var preLayerNorm: LayerNorm<T>
    public var layers: [EncoderLayer<T>]
    /// Loaded and saved so files round-trip; LLaVA's selected hidden state never passes through it.
    public var postLayerNorm: LayerNorm<T>

    public init(embeddings: PatchEmbedding<T>, preLayerNorm: LayerNorm<T>, layers: [EncoderLayer<T>], postLayerNorm: LayerNorm<T>) {
        self.embeddings = embeddings; self.preLayerNorm = preLayerNorm; self.layers = layers; self.postLayerNorm = postLayerNorm
    }

    public struct Cache: Sendable {
        var images: Int
        var embeddings: PatchEmbedding<T>.Cache
        var preLayerNorm: LayerNorm<T>.Cache
        var layers: [EncoderLayer<T>.Cache]
        var batch: SelfAttention<T>.Batch
    }

    /// The output and the cache come from `pool`.
    @_specialize(where T == Float)
    public func forward(_ pixels: Tensor<T>, layersUsed: Int, context: inout ForwardContext,
                        pool: TensorPool<T> = TensorPool()) -> (Tensor<T>, Cache) {
        let images = pixels.shape[0], tokens = embeddings.patchesPerImage + 1
        let (x, embeddingCache) = embeddings.forward(pixels, pool: pool)
        let (normalized, preCache) = preLayerNorm.forward(x, pool: pool)
        let batch = SelfAttention<T>.Batch(batch: images, length: tokens, keyMask: Array(repeating: true, count: images * tokens))
        let (h, caches) = layers.forward(normalized, batch: batch, count: layersUsed, context: &context, pool: pool)
        return (h, Cache(images: images, embeddings: embeddingCache, preLayerNorm: preCache, layers: caches, batch: batch))
    }

    /// Accumulates the tower's parameter gradients; returns ∂L/∂pixels [I, C, S, S] when asked.
    /// Temporaries come from `pool`.
    @_specialize(where T == Float)
    public mutating func backward(_ dy: Tensor<T>, cache: Cache, needsPixelGradient: Bool,
                                  pool: TensorPool<T> = TensorPool()) -> Tensor<T>? {
        var g = layers.backward(dy, caches: cache.layers, batch: cache.batch, pool: pool)
        g = preLayerNorm.backward(g, cache: cache.preLayerNorm, pool: pool)
        return embeddings.backward(g, cache: cache.embeddings, needsPixelGradient: needsPixelGradient, pool: pool)
    }
}
