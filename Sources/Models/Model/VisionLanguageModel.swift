import RLAlgorithms
import Tensor

/// A LLaVA-layout vision-language model (Specs/Model.md Model-16): CLIP-style vision tower →
/// projector → Llama-style decoder with an untied LM head, optional LoRA adapters on the decoder's
/// projections and an optional value head.
///
/// The image features replace the prompt's image tokens in order; the decoder's final hidden
/// states give logits (LM head) and values (value head). Per-token log-probabilities and entropies
/// come from Specs/TokenLogProbs.md's functions, so the backward pass starts from exactly the
/// gradients RLAlgorithms' losses return.
public struct VisionLanguageModel<T: Scalar>: Sendable {
    public var configuration: ModelConfiguration
    public var visionTower: VisionTower<T>
    public var projector: TwoLayerPerceptron<T>
    public var tokenEmbedding: Embedding<T>
    public var decoderLayers: [DecoderLayer<T>]
    public var finalNorm: RMSNorm<T>
    public var lmHead: Linear<T>
    public var valueHead: ValueHead<T>?
    /// The storage of activations, caches and gradient temporaries (see `forward`); copies of the
    /// model share it.
    public let pool = TensorPool<T>()

    /// Everything `backward` needs, and the outputs.
    public struct ForwardPass: Sendable {
        public var batch: ModelBatch<T>
        /// [B·T, D] final-norm hidden states.
        public var hidden: Tensor<T>
        /// [B, T, V].
        public var logits: Tensor<T>
        var vision: VisionTower<T>.Cache?
        var projector: TwoLayerPerceptron<T>.Cache?
        var imageRows: [Int]
        var attentionBatch: SelfAttention<T>.Batch
        public internal(set) var layers: [DecoderLayer<T>.Cache]
        var finalNorm: RMSNorm<T>.Cache
        var lmHead: Linear<T>.Cache
    }

    /// The rotary embedding every decoder layer uses.
    public var rotary: RotaryEmbedding? { decoderLayers.first?.attention.rotary }

    /// Runs the model on a validated batch: logits for every position.
    ///
    /// Activations and caches come from `pool`, and a forward pass starts the pool's next
    /// generation: the buffers of the previous forward and backward passes are reused (Specs/Model.md,
    /// "Memory"). A pass still held then keeps its values (its buffers are copied, not reused).
    @_specialize(where T == Float)
    public func forward(_ batch: ModelBatch<T>, context: inout ForwardContext) throws -> ForwardPass {
        let c = configuration
        try batch.validate(for: c)
        pool.beginGeneration()
        let (rows, length, width) = (batch.rows, batch.length, c.text.hiddenSize)
        let ids = batch.tokens.flatMap { $0 }
        var x = tokenEmbedding.forward(ids, pool: pool)
        let imageRows = batch.pixels == nil ? [] : ids.indices.filter { ids[$0] == c.imageTokenID }
        var visionCache: VisionTower<T>.Cache?, projectorCache: TwoLayerPerceptron<T>.Cache?
        if let pixels = batch.pixels, pixels.shape[0] > 0 {
            let (states, vc) = visionTower.forward(pixels, layersUsed: c.visionLayersUsed, context: &context, pool: pool)
            let selected = selectFeatures(states, images: pixels.shape[0])
            let (features, pc) = projector.forward(selected, context: &context, pool: pool)
            var merged = pool.makeTensor(shape: x.shape)
            for i in merged.elements.indices { merged.elements[i] = x.elements[i] }
            for (k, row) in imageRows.enumerated() {
                for j in 0..<width { merged.elements[row * width + j] = features.elements[k * width + j] }
            }
            x = pool.keep(merged)
            (visionCache, projectorCache) = (vc, pc)
        }
        var attentionBatch = SelfAttention<T>.Batch(batch: rows, length: length, keyMask: batch.attentionMask.flatMap { $0 })
        if let rotary { attentionBatch.setRotaryTables(rotary, positions: batch.positions.flatMap { $0 }) }
        let (y, layerCaches) = decoderLayers.forward(x, batch: attentionBatch, context: &context, pool: pool)
        let (hidden, normCache) = finalNorm.forward(y, pool: pool)
        let (logits, headCache) = lmHead.forward(hidden, context: &context, pool: pool)
        return ForwardPass(batch: batch, hidden: hidden, logits: logits.reshaped([rows, length, c.text.vocabularySize]),
                           vision: visionCache, projector: projectorCache, imageRows: imageRows,
                           attentionBatch: attentionBatch, layers: layerCaches, finalNorm: normCache, lmHead: headCache)
    }

    /// The tower's states [I·(P+1), Dv] → the features the projector sees ([I·P, Dv] with `default`).
    func selectFeatures(_ states: Tensor<T>, images: Int) -> Tensor<T> {
        guard configuration.featureSelection == .default else { return states }
        let tokens = configuration.vision.patchCount + 1, d = configuration.vision.hiddenSize
        var out = pool.makeTensor(shape: [images * (tokens - 1), d])
        for i in 0..<images {
            for s in 1..<tokens {
                for j in 0..<d { out.elements[(i * (tokens - 1) + s - 1) * d + j] = states.elements[(i * tokens + s) * d + j] }
            }
        }
        return pool.keep(out)
    }

    /// Backward from ∂L/∂logits [B, T, V] and ∂L/∂hidden [B·T, D] (either may be nil): accumulates
    /// every trainable parameter's gradient (in place); returns ∂L/∂pixels when `needsPixelGradient`.
    /// Temporaries come from `pool`, in the generation of the latest forward pass.
    @_specialize(where T == Float)
    public mutating func backward(_ pass: ForwardPass, logitsGradient: Tensor<T>?, hiddenGradient: Tensor<T>?,
                                  needsPixelGradient: Bool = false) -> Tensor<T>? {
        let c = configuration, pool = self.pool
        let (rows, length, width) = (pass.batch.rows, pass.batch.length, c.text.hiddenSize)
        var dHidden = hiddenGradient ?? pool.keep(pool.makeTensor(shape: [rows * length, width]))
        if let dLogits = logitsGradient {
            let dHead = lmHead.backward(dLogits.reshaped([rows * length, c.text.vocabularySize]), cache: pass.lmHead, pool: pool)!
            dHidden = dHidden.zipMap(dHead, pool: pool, +)
        }
        let dNorm = finalNorm.backward(dHidden, cache: pass.finalNorm, pool: pool)
        let g = decoderLayers.backward(dNorm, caches: pass.layers, batch: pass.attentionBatch, pool: pool)
        tokenEmbedding.backward(g, ids: pass.batch.tokens.flatMap { $0 }, skipping: Set(pass.imageRows))
        guard let visionCache = pass.vision, let projectorCache = pass.projector else { return nil }
        var dFeatures = pool.makeTensor(shape: [pass.imageRows.count, width])
        for (k, row) in pass.imageRows.enumerated() {
            for j in 0..<width { dFeatures.elements[k * width + j] = g.elements[row * width + j] }
        }
        let towerTrains = visionTowerIsTrainable
        guard let dSelected = projector.backward(pool.keep(dFeatures), cache: projectorCache,
                                                 needsInputGradient: towerTrains || needsPixelGradient, pool: pool) else { return nil }
        let dStates = deselectFeatures(dSelected, images: visionCache.images)
        return visionTower.backward(dStates, cache: visionCache, needsPixelGradient: needsPixelGradient, pool: pool)
    }

    /// The adjoint of `selectFeatures`: zero rows for the dropped class tokens.
    func deselectFeatures(_ d: Tensor<T>, images: Int) -> Tensor<T> {
        guard configuration.featureSelection == .default else { return d }
        let tokens = configuration.vision.patchCount + 1, width = configuration.vision.hiddenSize
        var out = pool.makeTensor(shape: [images * tokens, width])
        for i in 0..<images {
            for s in 1..<tokens {
                for j in 0..<width { out.elements[(i * tokens + s) * width + j] = d.elements[(i * (tokens - 1) + s - 1) * width + j] }
            }
        }
        return pool.keep(out)
    }

    /// Whether any vision-tower parameter trains (so gradients must flow past the projector).
    var visionTowerIsTrainable: Bool {
        var any = false
        for (_, path) in ParameterNames.visionTower(self) where self[keyPath: path].isTrainable { any = true }
        return any
    }
}
