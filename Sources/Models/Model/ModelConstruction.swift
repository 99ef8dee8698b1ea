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
        let vEps = T(v.layerNormEpsilon)
        func layerNorm(_ d: Int) -> LayerNorm<T> { LayerNorm(weight: Tensor(shape: [d]), bias: Tensor(shape: [d]), epsilon: vEps) }
        let encoder = (0..<v.layers).map { _ in
            EncoderLayer<T>(
                layerNorm1: layerNorm(v.hiddenSize),
                attention: SelfAttention(query: linear(v.hiddenSize, v.hiddenSize, bias: true), key: linear(v.hiddenSize, v.hiddenSize, bias: true),
                                         value: linear(v.hiddenSize, v.hiddenSize, bias: true), output: linear(v.hiddenSize, v.hiddenSize, bias: true),
                                         heads: v.heads, keyValueHeads: v.heads, rotary: nil, isCausal: false),
                layerNorm2: layerNorm(v.hiddenSize),
                mlp: TwoLayerPerceptron(first: linear(v.intermediateSize, v.hiddenSize, bias: true),
                                        second: linear(v.hiddenSize, v.intermediateSize, bias: true), activation: v.activation))
        }
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
            visionTower: VisionTower(
                embeddings: PatchEmbedding(patchWeight: Tensor(shape: [v.hiddenSize, v.channels, v.patchSize, v.patchSize]),
                                           classEmbedding: Tensor(shape: [v.hiddenSize]),
                                           positionEmbedding: Tensor(shape: [v.patchCount + 1, v.hiddenSize]), imageSize: v.imageSize),
                preLayerNorm: layerNorm(v.hiddenSize), layers: encoder, postLayerNorm: layerNorm(v.hiddenSize)),
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

    /// Sets each named parameter from `tensors`, requiring exactly that set of names.
    mutating func assign(_ tensors: [String: Tensor<T>], to names: [(String, ParameterNames.Path<T>)], file: String) throws {
        let expected = Set(names.map(\.0))
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw InputError.invalidArgument(argument: "\(file): \(extra)", reason: "is not a tensor of this configuration")
        }
        for (name, path) in names {
            guard let tensor = tensors[name] else { throw InputError.missingInput(argument: "\(file): \(name)") }
            let shape = self[keyPath: path].value.shape
            guard tensor.shape == shape else { throw InputError.shapeMismatch(argument: "\(file): \(name)", expected: shape, actual: tensor.shape) }
            if let i = tensor.firstNonFiniteIndex { throw InputError.nonFinite(argument: "\(file): \(name)", index: i) }
            let trainable = self[keyPath: path].isTrainable
            self[keyPath: path] = Parameter(tensor, trainable: trainable)
        }
    }

    /// A freshly initialised model: matrices and embeddings N(0, 0.02²) (transformers'
    /// `initializer_range`), norm weights 1, biases 0, drawn from `generator` in `ParameterNames.base` order.
    public init(configuration: ModelConfiguration, using generator: inout SeededGenerator,
                rotaryTablePrecision: RotaryEmbedding.TablePrecision = .native) throws {
        try self.init(zerosFor: configuration, rotaryTablePrecision: rotaryTablePrecision)
        for (name, path) in ParameterNames.base(self) {
            var t = self[keyPath: path].value
            if name.contains("norm") && name.hasSuffix(".weight") {
                for i in t.elements.indices { t.elements[i] = 1 }
            } else if !name.hasSuffix(".bias") {
                for i in t.elements.indices { t.elements[i] = T(0.02 * generator.nextNormal()) }
            }
            self[keyPath: path].value = t
        }
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

    /// Which parameters train: everything named for which `isTrainable(name)` holds.
    public mutating func setTrainable(where isTrainable: (String) -> Bool) {
        for (name, path) in ParameterNames.all(self) { self[keyPath: path].setTrainable(isTrainable(name)) }
    }

    /// Enables or disables every adapter: disabled adapters give the frozen reference model
    /// (the base weights alone) without a second copy of the weights.
    public mutating func setAdaptersEnabled(_ enabled: Bool) {
        for (_, path) in ParameterNames.adapterLinears(self) { self[keyPath: path].lora?.isEnabled = enabled }
    }

    /// Sets every trainable parameter's gradient to zero.
    public mutating func zeroGradients() {
        for (_, path) in ParameterNames.all(self) where self[keyPath: path].isTrainable { self[keyPath: path].zeroGradient() }
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
