import RLAlgorithms
import Tensor

/// A CLIP model in transformers' `CLIPModel` layout (Specs/CLIP.md): text encoder (CLIP-1, CLIP-2) and
/// vision tower (CLIP-3), projections without bias into a P-wide space, L2 normalisation (CLIP-4),
/// similarity logits exp(s)·cos with a learned `logit_scale` s (CLIP-5) and the symmetric InfoNCE
/// loss (CLIP-6). The similarity and the loss are RLAlgorithms' `ContrastiveSimilarity`.
public struct CLIPModel<T: Scalar>: Sendable {
    public var configuration: CLIPConfiguration
    public var textEncoder: CLIPTextEncoder<T>
    public var visionTower: VisionTower<T>
    /// W_t [P, D_text], no bias.
    public var textProjection: Linear<T>
    /// W_v [P, D_vision], no bias.
    public var visualProjection: Linear<T>
    /// s, a scalar (shape []).
    public var logitScale: Parameter<T>
    /// The storage of the passes' activations, caches and gradient temporaries (see `forward`); copies
    /// of the model share it.
    public let pool = TensorPool<T>()

    /// A model of `c` with every weight zero (logit_scale `logit_scale_init_value`).
    /// - Throws: the configuration's validation errors.
    public init(zerosFor c: CLIPConfiguration) throws {
        try c.validate()
        configuration = c
        textEncoder = CLIPTextEncoder(zerosFor: c.text)
        visionTower = VisionTower(zerosFor: c.vision)
        textProjection = Linear(weight: Tensor(shape: [c.projectionDimension, c.text.hiddenSize]))
        visualProjection = Linear(weight: Tensor(shape: [c.projectionDimension, c.vision.hiddenSize]))
        logitScale = Parameter(Tensor(scalar: T(c.logitScaleInitialValue)))
    }

    /// A model whose weights come from `weights` (CLIPModel's safetensors names).
    /// - Throws: `missingInput`, `invalidArgument` (unknown), `shapeMismatch`, `nonFinite`, each naming the tensor.
    public init(configuration: CLIPConfiguration, weights: [String: Tensor<T>]) throws {
        try self.init(zerosFor: configuration)
        try assign(weights, to: namedParameters, file: "model weights")
    }

    /// A freshly initialised model drawn from `generator` in `namedParameters` order: matrices and
    /// embeddings N(0, 0.02²), norm weights 1, biases 0, logit_scale `logit_scale_init_value`.
    public init(configuration: CLIPConfiguration, using generator: inout SeededGenerator) throws {
        try self.init(zerosFor: configuration)
        initialize(namedParameters.filter { $0.0 != "logit_scale" }, standardDeviation: 0.02, using: &generator)
    }

    /// Everything `backward` needs, and the outputs (Specs/CLIP.md, "Golden inputs and outputs").
    public struct ForwardPass: Sendable {
        public var text: CLIPTextEncoder<T>.Pass
        public var image: VisionTower<T>.PooledPass
        /// Projected, not yet normalised: u [B, P] and v [I, P].
        public var textFeatures: Tensor<T>
        public var imageFeatures: Tensor<T>
        /// Normalised embeddings, logits (CLIP-4, CLIP-5).
        public var similarity: ContrastiveSimilarity<T>
        /// The loss (CLIP-6) when texts and images pair up (B = I), else nil.
        public var loss: T?
        var textProjection: Linear<T>.Cache
        var visualProjection: Linear<T>.Cache
    }

    /// Texts and images through both encoders, the projections and the similarity; the loss when
    /// B = I (and `requiringPairs` demands it). Activations come from `pool`, and a forward pass
    /// starts its next generation, as `VisionLanguageModel.forward` does (Specs/Model.md, "Memory").
    /// - Throws: `CLIPBatch.validate`'s errors.
    @_specialize(where T == Float)
    public func forward(_ batch: CLIPBatch<T>, requiringPairs: Bool = false, maxLogitScale: Double? = nil,
                        context: inout ForwardContext) throws -> ForwardPass {
        let c = configuration
        try batch.validate(for: c, requiringPairs: requiringPairs)
        pool.beginGeneration()
        let text = textEncoder.forward(tokens: batch.tokens, attentionMask: batch.attentionMask,
                                       pooledPositions: batch.pooledPositions(c.text), context: &context, pool: pool)
        let image = visionTower.pooledForward(batch.pixels, context: &context, pool: pool)
        let (u, uCache) = textProjection.forward(text.pooled, context: &context, pool: pool)
        let (v, vCache) = visualProjection.forward(image.pooled, context: &context, pool: pool)
        let similarity = try ContrastiveSimilarity(textFeatures: u, imageFeatures: v, logitScale: logitScale.value.elements[0],
                                                   maxLogitScale: maxLogitScale)
        let loss = batch.texts == batch.images ? try similarity.loss() : nil
        return ForwardPass(text: text, image: image, textFeatures: u, imageFeatures: v, similarity: similarity, loss: loss,
                           textProjection: uCache, visualProjection: vCache)
    }

    /// Accumulates every trainable parameter's gradient of L with ∂L/∂loss = `lossGradient` and
    /// ∂L/∂logits_per_text = `logitsPerTextGradient` (either may be absent); returns ∂L/∂pixels when asked.
    /// - Throws: `shapeMismatch` for a loss gradient without pairs or a logits gradient of another shape.
    @_specialize(where T == Float)
    @discardableResult
    public mutating func backward(_ pass: ForwardPass, lossGradient: T? = nil, logitsPerTextGradient: Tensor<T>? = nil,
                                  needsPixelGradient: Bool = false) throws -> Tensor<T>? {
        var g = logitsPerTextGradient ?? Tensor(shape: pass.similarity.logitsPerText.shape)
        if let lossGradient {
            let dLogits = try pass.similarity.lossGradient()
            for i in g.elements.indices { g.elements[i] += lossGradient * dLogits.elements[i] }
        }
        let (du, dv, ds) = try pass.similarity.backward(logitsPerTextGradient: g)
        if logitScale.isTrainable { logitScale.gradient.elements[0] += ds }
        let pool = self.pool
        if let dText = textProjection.backward(du, cache: pass.textProjection, pool: pool) {
            textEncoder.backward(pass.text, pooledGradient: dText, pool: pool)
        }
        let dImage = visualProjection.backward(dv, cache: pass.visualProjection, pool: pool)!
        return visionTower.pooledBackward(pass.image, pooledGradient: dImage, needsPixelGradient: needsPixelGradient, pool: pool)
    }

    /// The contrastive loss of paired texts and images and, accumulated into every trainable
    /// parameter, its gradient (Specs/CLIP.md CLIP-6): one training step before the optimiser's update
    /// (`ParameterGroupOptimizer.step`). `maxLogitScale` (e.g. ln 100) clamps the scale as original
    /// CLIP's training does (CLIP-7). Gradients add to what is there: call `zeroGradients()` first.
    /// - Throws: the batch's errors, `shapeMismatch` unless every text has its image.
    @_specialize(where T == Float)
    public mutating func contrastiveLossAndGradients(_ batch: CLIPBatch<T>, maxLogitScale: Double? = nil,
                                                     context: inout ForwardContext) throws -> T {
        let pass = try forward(batch, requiringPairs: true, maxLogitScale: maxLogitScale, context: &context)
        try backward(pass, lossGradient: 1)
        return pass.loss!
    }

    /// open_clip's bound on the temperature (Specs/CLIP.md, "Conventions"): after an optimiser step, sets
    /// logit_scale to the nearest point of `range` (open_clip: [0, ln 100]). The forward-pass alternative is
    /// `maxLogitScale` (CLIP-7).
    public mutating func clampLogitScale(to range: ClosedRange<Double>) {
        let s = Double(logitScale.value.elements[0])
        logitScale.value.elements[0] = T(min(max(s, range.lowerBound), range.upperBound))
    }

    /// Unit-length text embeddings [B, P] (CLIP-4) for rewards: caption–image and text–text cosines
    /// are dot products of these rows.
    /// - Throws: the batch's text errors (`tokens` validated as in `CLIPBatch.validate`).
    @_specialize(where T == Float)
    public func textEmbeddings(tokens: [[Int]], attentionMask: [[Bool]]? = nil) throws -> Tensor<T> {
        let c = configuration
        let texts = CLIPBatch<T>(tokens: tokens, attentionMask: attentionMask, pixels: Tensor(shape: [0]))
        try texts.validateTexts(for: c)
        var context = ForwardContext.evaluation
        pool.beginGeneration()
        let text = textEncoder.forward(tokens: texts.tokens, attentionMask: texts.attentionMask,
                                       pooledPositions: texts.pooledPositions(c.text), context: &context, pool: pool)
        let (u, _) = textProjection.forward(text.pooled, context: &context, pool: pool)
        return try ContrastiveSimilarity<T>.normalizedRows(u, argument: "text_embeds").0
    }

    /// Unit-length image embeddings [I, P] (CLIP-4) of preprocessed pixels [I, C, S, S].
    /// - Throws: `shapeMismatch` for pixels of another shape, `nonFinite`.
    @_specialize(where T == Float)
    public func imageEmbeddings(pixels: Tensor<T>) throws -> Tensor<T> {
        try CLIPBatch<T>(tokens: [], pixels: pixels).validateImages(for: configuration)
        var context = ForwardContext.evaluation
        pool.beginGeneration()
        let image = visionTower.pooledForward(pixels, context: &context, pool: pool)
        let (v, _) = visualProjection.forward(image.pooled, context: &context, pool: pool)
        return try ContrastiveSimilarity<T>.normalizedRows(v, argument: "image_embeds").0
    }
}
