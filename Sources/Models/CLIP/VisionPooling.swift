import Tensor

extension VisionTower {
    /// What `pooledBackward` needs, and the pooled states.
    public struct PooledPass: Sendable {
        /// [I, D]: post-LayerNorm of each image's class token (Specs/CLIP.md CLIP-3).
        public var pooled: Tensor<T>
        var tower: Cache
        var postLayerNorm: LayerNorm<T>.Cache
    }

    /// CLIP's pooled image state (transformers' `CLIPVisionTransformer` `pooler_output`; Specs/CLIP.md
    /// CLIP-3): every layer runs, the class token's (row 0 of each image) last state goes through
    /// `postLayerNorm`. pixels [I, C, S, S] → [I, D]. Activations and caches come from `pool`.
    @_specialize(where T == Float)
    public func pooledForward(_ pixels: Tensor<T>, context: inout ForwardContext, pool: TensorPool<T> = TensorPool()) -> PooledPass {
        let (states, cache) = forward(pixels, layersUsed: layers.count, context: &context, pool: pool)
        let d = embeddings.width, tokens = embeddings.patchesPerImage + 1
        var classStates = pool.makeTensor(shape: [cache.images, d])
        for i in 0..<cache.images {
            classStates.elements.replaceSubrange((i * d)..<(i * d + d), with: states.elements[(i * tokens * d)..<(i * tokens * d + d)])
        }
        let (pooled, normCache) = postLayerNorm.forward(pool.keep(classStates), pool: pool)
        return PooledPass(pooled: pooled, tower: cache, postLayerNorm: normCache)
    }

    /// Accumulates the tower's gradients from ∂L/∂pooled [I, D]; returns ∂L/∂pixels when asked.
    /// Temporaries come from `pool`.
    @_specialize(where T == Float)
    public mutating func pooledBackward(_ pass: PooledPass, pooledGradient: Tensor<T>, needsPixelGradient: Bool = false,
                                        pool: TensorPool<T> = TensorPool()) -> Tensor<T>? {
        let dClass = postLayerNorm.backward(pooledGradient, cache: pass.postLayerNorm, pool: pool)
        let d = embeddings.width, tokens = embeddings.patchesPerImage + 1, images = pass.tower.images
        var dStates = pool.makeTensor(shape: [images * tokens, d])
        for i in 0..<images {
            dStates.elements.replaceSubrange((i * tokens * d)..<(i * tokens * d + d), with: dClass.elements[(i * d)..<(i * d + d)])
        }
        return backward(pool.keep(dStates), cache: pass.tower, needsPixelGradient: needsPixelGradient, pool: pool)
    }
}
