import Tensor

extension VisionLanguageModel {
    /// A model of `configuration` with every weight zero (norm weights too): the skeleton that
    /// loading and initialisation fill. - Throws: the configuration's validation errors.
    public init(zerosFor c: ModelConfiguration, rotaryTablePrecision: RotaryEmbedding.TablePrecision = .native) throws {
        try c.validate()
        func linear(_ out: Int, _ input: Int, bias: Bool) -> Linear<T> {
            Linear(weight: Tensor(shape: [out, input]), bias: bias ? Tensor(shape: [out]) : nil)
        }
        let v = c.vision, t = c.text
        let rotary = RotaryEmbedding(theta: t.ropeTheta, headDimension: t.headDimension, tablePrecision: rotaryTablePrecision)
        let kvWidth = t.keyValueHeads * t.headDimension
        let rEps = T(t.rmsNormEpsilon)
        let decoder = (0..<t.layers).map { _ in
            DecoderLayer<T>(
                inputNorm: RMSNorm(weight: Tensor(shape: [t.hiddenSize]), epsilon: rEps),
                attention: SelfAttention(query: linear(t.hiddenSize, t.hiddenSize, bias: false), key: linear(kvWidth, t.hiddenSize, bias: false),
                                         value: linear(kvWidth, t.hiddenSize, bias: false), output: linear(t.hiddenSize, t.hiddenSize, bias: false),
                                         heads: t.heads, keyValueHeads: t.keyValueHeads, rotary: rotary, isCausal: true),
                postAttentionNorm: RMSNorm(weight: Tensor(shape: [t.hiddenSize]), epsilon: rEps),
                mlp: SwiGLU(gate: linear(t.intermediateSize, t.hiddenSize, bias: false), up: linear(t.intermediateSize, t.hiddenSize, bias: false),
                            down: linear(t.hiddenSize, t.intermediateSize, bias: false)))
        }
        self.init(
            configuration: c,
            visionTower: VisionTower(zerosFor: v),
            projector: TwoLayerPerceptron(first: linear(t.hiddenSize, v.hiddenSize, bias: c.projectorBias),
                                          second: linear(t.hiddenSize, t.hiddenSize, bias: c.projectorBias),
                                          activation: c.projectorActivation),
            tokenEmbedding: Embedding(weight: Tensor(shape: [t.vocabularySize, t.hiddenSize])),
            decoderLayers: decoder,
            finalNorm: RMSNorm(weight: Tensor(shape: [t.hiddenSize]), epsilon: rEps),
            lmHead: linear(t.vocabularySize, t.hiddenSize, bias: false),
            valueHead: nil)
    }

    /// A model whose base weights come from `weights` (names as `ParameterNames.canonical` maps
    /// them). - Throws: `missingInput` for an absent weight, `invalidArgument` for an unknown
    /// one, `shapeMismatch` for a mis-shaped one, `nonFinite` for NaN/∞, each naming the tensor.
    public init(configuration: ModelConfiguration, weights: [String: Tensor<T>],
                rotaryTablePrecision: RotaryEmbedding.TablePrecision = .native) throws {
        try self.init(zerosFor: configuration, rotaryTablePrecision: rotaryTablePrecision)
        var byName: [String: Tensor<T>] = [:]
        for (name, tensor) in weights { byName[ParameterNames.canonical(name)] = tensor }
        try assign(byName, to: ParameterNames.base(self), file: "model weights")
    }

    /// A freshly initialised model: matrices and embeddings N(0, 0.02²) (transformers'
    /// `initializer_range`), norm weights 1, biases 0, drawn from `generator` in `ParameterNames.base` order.
    public init(configuration: ModelConfiguration, using generator: inout SeededGenerator,
                rotaryTablePrecision: RotaryEmbedding.TablePrecision = .native) throws {
        try self.init(zerosFor: configuration, rotaryTablePrecision: rotaryTablePrecision)
        initialize(ParameterNames.base(self), standardDeviation: 0.02, using: &generator)
    }

    /// Adds fresh LoRA adapters (Model-2; PEFT's default initialisation) to the decoder projections
    /// whose module names (`q_proj`, …, `down_proj`) are in `targets`.
    public mutating func addAdapters(rank: Int, alpha: Double, dropout: Double, targets: Set<String>,
                                     using generator: inout SeededGenerator) throws {
        guard rank > 0 else { throw InputError.outOfRange(argument: "r", value: Double(rank), range: "[1, ∞)") }
        guard (0..<1).contains(dropout) else { throw InputError.outOfRange(argument: "lora_dropout", value: dropout, range: "[0, 1)") }
        let known: Set<String> = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
        if let bad = targets.sorted().first(where: { !known.contains($0) }) {
            throw InputError.invalidArgument(argument: "target_modules", reason: "\(bad) is not a decoder projection")
        }
        for i in decoderLayers.indices {
            for (name, path) in ParameterNames.decoderProjections(T.self, layer: i)
            where targets.contains(String(name.split(separator: ".").last!)) {
                let linear = self[keyPath: path]
                self[keyPath: path].lora = LoRAAdapter(inputFeatures: linear.inputFeatures, outputFeatures: linear.outputFeatures,
                                                       rank: rank, alpha: alpha, dropout: dropout, using: &generator)
            }
        }
    }

    /// Enables or disables every adapter: disabled adapters give the frozen reference model
    /// (the base weights alone) without a second copy of the weights.
    public mutating func setAdaptersEnabled(_ enabled: Bool) {
        for (_, path) in ParameterNames.adapterLinears(self) { self[keyPath: path].lora?.isEnabled = enabled }
    }
}

extension ParameterNames {
    /// The decoder projections that carry an adapter.
    static func adapterLinears<T: Scalar>(_ m: VisionLanguageModel<T>) -> [(String, WritableKeyPath<VisionLanguageModel<T>, Linear<T>>)] {
        m.decoderLayers.indices.flatMap { i in decoderProjections(T.self, layer: i) }.filter { m[keyPath: $0.1].lora != nil }
    }
}

extension VisionLanguageModel {
    /// Scalars in every parameter (base weights, adapters, value head).
    public var parameterCount: Int { ParameterNames.all(self).reduce(0) { $0 + self[keyPath: $1.1].value.count } }

    /// Scalars in the trainable parameters.
    public var trainableParameterCount: Int {
        ParameterNames.all(self).reduce(0) { $0 + (self[keyPath: $1.1].isTrainable ? self[keyPath: $1.1].value.count : 0) }
    }
}

extension EncoderLayer {
    /// A CLIP encoder layer (Model-12) with every weight zero: width D, MLP width `intermediate`,
    /// biases everywhere, bidirectional or (`causal`, CLIP's text encoder) causal attention.
    init(zerosWidth d: Int, intermediate: Int, heads: Int, activation: Activation, epsilon: T, causal: Bool) {
        func linear(_ out: Int, _ input: Int) -> Linear<T> { Linear(weight: Tensor(shape: [out, input]), bias: Tensor(shape: [out])) }
        func layerNorm() -> LayerNorm<T> { LayerNorm(weight: Tensor(shape: [d]), bias: Tensor(shape: [d]), epsilon: epsilon) }
        self.init(layerNorm1: layerNorm(),
                  attention: SelfAttention(query: linear(d, d), key: linear(d, d), value: linear(d, d), output: linear(d, d),
                                           heads: heads, keyValueHeads: heads, rotary: nil, isCausal: causal),
                  layerNorm2: layerNorm(),
                  mlp: TwoLayerPerceptron(first: linear(intermediate, d), second: linear(d, intermediate), activation: activation))
    }
}

extension VisionTower {
    /// The tower of `v` (Model-11, Model-12) with every weight zero, all `v.layers` layers.
    public init(zerosFor v: VisionConfiguration) {
        let eps = T(v.layerNormEpsilon)
        func layerNorm() -> LayerNorm<T> { LayerNorm(weight: Tensor(shape: [v.hiddenSize]), bias: Tensor(shape: [v.hiddenSize]), epsilon: eps) }
        self.init(embeddings: PatchEmbedding(patchWeight: Tensor(shape: [v.hiddenSize, v.channels, v.patchSize, v.patchSize]),
                                             classEmbedding: Tensor(shape: [v.hiddenSize]),
                                             positionEmbedding: Tensor(shape: [v.patchCount + 1, v.hiddenSize]), imageSize: v.imageSize),
                  preLayerNorm: layerNorm(),
                  layers: (0..<v.layers).map { _ in
                      EncoderLayer<T>(zerosWidth: v.hiddenSize, intermediate: v.intermediateSize, heads: v.heads,
                                      activation: v.activation, epsilon: eps, causal: false)
                  },
                  postLayerNorm: layerNorm())
    }
}
