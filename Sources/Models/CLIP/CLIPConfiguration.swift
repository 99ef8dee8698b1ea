import Tensor

/// CLIP's text encoder hyper-parameters (transformers' `CLIPTextConfig` fields, its defaults).
public struct CLIPTextConfiguration: Equatable, Sendable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layers: Int
    public var heads: Int
    /// Position embeddings: the longest accepted sequence.
    public var maxPositions = 77
    public var activation: Activation = .quickGelu
    public var layerNormEpsilon = 1e-5
    public var bosTokenID = 49406
    /// The token whose position is pooled (Specs/CLIP.md CLIP-2); 2 selects transformers' legacy
    /// rule, the position of the largest id.
    public var eosTokenID = 49407
    public var padTokenID: Int? = 1
    /// Unused by the encoder; kept so a saved config.json round-trips.
    public var projectionDimension = 512

    public init(vocabularySize: Int, hiddenSize: Int, intermediateSize: Int, layers: Int, heads: Int) {
        self.vocabularySize = vocabularySize; self.hiddenSize = hiddenSize; self.intermediateSize = intermediateSize
        self.layers = layers; self.heads = heads
    }

    /// Whether pooling takes the position of the largest id (transformers' rule for `eos_token_id` 2,
    /// kept for checkpoints older than its pull request 24773) instead of the first `eos_token_id`.
    public var usesLegacyPooling: Bool { eosTokenID == 2 }
}

/// A CLIPModel's configuration (transformers' `CLIPConfig`): text and vision encoders, the width of
/// the shared embedding space and the initial logit scale. Read from and written to `config.json`.
public struct CLIPConfiguration: Equatable, Sendable {
    public var text: CLIPTextConfiguration
    public var vision: VisionConfiguration
    /// P, the width of the shared embedding space (`projection_dim`).
    public var projectionDimension = 512
    /// s₀ = ln(1/0.07), the learned logit scale's initial value (`logit_scale_init_value`).
    public var logitScaleInitialValue = 2.6592

    public init(text: CLIPTextConfiguration, vision: VisionConfiguration, projectionDimension: Int) {
        self.text = text; self.vision = vision; self.projectionDimension = projectionDimension
        self.text.projectionDimension = projectionDimension
        self.vision.projectionDimension = projectionDimension
    }

    /// Checks every extent; the first problem is a typed error naming its field.
    public func validate() throws {
        try vision.validate()
        try positive(text.vocabularySize, "text_config.vocab_size")
        try positive(text.hiddenSize, "text_config.hidden_size")
        try positive(text.intermediateSize, "text_config.intermediate_size")
        try positive(text.heads, "text_config.num_attention_heads")
        try positive(text.maxPositions, "text_config.max_position_embeddings")
        try positive(projectionDimension, "projection_dim")
        guard text.layers >= 0 else {
            throw InputError.outOfRange(argument: "text_config.num_hidden_layers", value: Double(text.layers), range: "[0, ∞)")
        }
        guard text.hiddenSize % text.heads == 0 else {
            throw InputError.invalidArgument(argument: "text_config.hidden_size", reason: "not a multiple of num_attention_heads")
        }
        guard logitScaleInitialValue.isFinite else { throw InputError.nonFinite(argument: "logit_scale_init_value", index: []) }
    }

    /// The micro model of the golden files (GoldenData/CLIP): a 20-token vocabulary, 8-wide text
    /// encoder (2 heads, 2 layers, 8 positions, eos 3, pad 0), 8×8 images in 4×4 patches through an
    /// 8-wide one-layer vision tower, a 6-wide embedding space.
    public static var micro: CLIPConfiguration {
        var t = CLIPTextConfiguration(vocabularySize: 20, hiddenSize: 8, intermediateSize: 16, layers: 2, heads: 2)
        (t.maxPositions, t.bosTokenID, t.eosTokenID, t.padTokenID) = (8, 1, 3, 0)
        let v = VisionConfiguration(hiddenSize: 8, intermediateSize: 16, layers: 1, heads: 2, imageSize: 8, patchSize: 4)
        return CLIPConfiguration(text: t, vision: v, projectionDimension: 6)
    }

    /// The reward model of the training recipes: 64×64 images in 8×8 patches, 64-wide two-layer
    /// encoders (4 heads, MLP 256), 64 text positions, a 32-wide embedding space; the vocabulary and
    /// the special ids come from the task's tokenizer.
    /// - Throws: `invalidArgument` for `eosTokenID` 2: transformers would then pool at the largest id,
    ///   not at the end token (RLRef's WordLevel tokenizer has `</s>` at id 2: give the CLIP text its
    ///   own end token, or accept the legacy rule through `CLIPTextConfiguration` directly).
    public static func tiny(vocabularySize: Int, eosTokenID: Int, padTokenID: Int, bosTokenID: Int) throws -> CLIPConfiguration {
        guard eosTokenID != 2 else {
            throw InputError.invalidArgument(argument: "eos_token_id", reason: "2 selects transformers' legacy argmax pooling")
        }
        var t = CLIPTextConfiguration(vocabularySize: vocabularySize, hiddenSize: 64, intermediateSize: 256, layers: 2, heads: 4)
        (t.maxPositions, t.bosTokenID, t.eosTokenID, t.padTokenID) = (64, bosTokenID, eosTokenID, padTokenID)
        let v = VisionConfiguration(hiddenSize: 64, intermediateSize: 256, layers: 2, heads: 4, imageSize: 64, patchSize: 8)
        let c = CLIPConfiguration(text: t, vision: v, projectionDimension: 32)
        try c.validate()
        return c
    }
}
