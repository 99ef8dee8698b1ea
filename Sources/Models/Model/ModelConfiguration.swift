import Tensor
import Verification

/// The CLIP-style vision tower's hyper-parameters (transformers' `CLIPVisionConfig` fields).
public struct VisionConfiguration: Equatable, Sendable {
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layers: Int
    public var heads: Int
    public var imageSize: Int
    public var patchSize: Int
    public var channels = 3
    public var activation: Activation = .quickGelu
    public var layerNormEpsilon = 1e-5
    /// Unused by the tower; kept so a saved config.json round-trips.
    public var projectionDimension = 512

    public init(hiddenSize: Int, intermediateSize: Int, layers: Int, heads: Int, imageSize: Int, patchSize: Int) {
        self.hiddenSize = hiddenSize; self.intermediateSize = intermediateSize; self.layers = layers
        self.heads = heads; self.imageSize = imageSize; self.patchSize = patchSize
    }

    /// Patches per image, (image size / patch size)².
    public var patchCount: Int { (imageSize / patchSize) * (imageSize / patchSize) }

    /// Checks every extent; the first problem is a typed error naming its `vision_config` field.
    public func validate() throws {
        try positive(hiddenSize, "vision_config.hidden_size")
        try positive(intermediateSize, "vision_config.intermediate_size")
        try positive(heads, "vision_config.num_attention_heads")
        try positive(patchSize, "vision_config.patch_size")
        try positive(imageSize, "vision_config.image_size")
        try positive(channels, "vision_config.num_channels")
        guard layers >= 0 else {
            throw InputError.outOfRange(argument: "num_hidden_layers", value: Double(layers), range: "[0, ∞)")
        }
        guard hiddenSize % heads == 0 else {
            throw InputError.invalidArgument(argument: "vision_config.hidden_size", reason: "not a multiple of num_attention_heads")
        }
        guard imageSize % patchSize == 0 else {
            throw InputError.invalidArgument(argument: "vision_config.image_size", reason: "not a multiple of patch_size")
        }
    }
}

/// Throws `outOfRange` naming `name` unless `value` ≥ 1 (a configuration's extents).
func positive(_ value: Int, _ name: String) throws {
    guard value > 0 else { throw InputError.outOfRange(argument: name, value: Double(value), range: "[1, ∞)") }
}

/// The Llama-style decoder's hyper-parameters (transformers' `LlamaConfig` fields).
public struct TextConfiguration: Equatable, Sendable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layers: Int
    public var heads: Int
    public var keyValueHeads: Int
    public var rmsNormEpsilon = 1e-6
    public var ropeTheta = 10_000.0
    public var maxPositions = 2048
    public var bosTokenID = 1
    public var eosTokenID = 2
    public var padTokenID: Int?

    public init(vocabularySize: Int, hiddenSize: Int, intermediateSize: Int, layers: Int, heads: Int, keyValueHeads: Int) {
        self.vocabularySize = vocabularySize; self.hiddenSize = hiddenSize; self.intermediateSize = intermediateSize
        self.layers = layers; self.heads = heads; self.keyValueHeads = keyValueHeads
    }

    public var headDimension: Int { hiddenSize / heads }
}

/// A LLaVA-layout model's configuration: vision tower, projector and decoder, as transformers'
/// `LlavaConfig` (Specs/Model.md, "Configuration"). Read from and written to `config.json`.
public struct ModelConfiguration: Equatable, Sendable {
    /// Which vision-tower features the projector sees: `default` drops the class token, `full` keeps it.
    public enum FeatureSelection: String, Sendable { case `default`, full }

    public var vision: VisionConfiguration
    public var text: TextConfiguration
    public var imageTokenID: Int
    public var projectorActivation: Activation = .gelu
    /// Index into the tower's hidden states (0 = embeddings after pre-LayerNorm, k = after k
    /// layers; negative counts from the end, −1 = after the last layer).
    public var visionFeatureLayer = -2
    public var featureSelection: FeatureSelection = .default
    public var projectorBias = true

    public init(vision: VisionConfiguration, text: TextConfiguration, imageTokenID: Int) {
        self.vision = vision; self.text = text; self.imageTokenID = imageTokenID
    }

    /// Vision layers that run: those up to the selected hidden state.
    public var visionLayersUsed: Int {
        visionFeatureLayer < 0 ? vision.layers + 1 + visionFeatureLayer : visionFeatureLayer
    }

    /// Image tokens per image in the prompt: one per patch (plus the class token with `full`).
    public var imageTokensPerImage: Int { vision.patchCount + (featureSelection == .full ? 1 : 0) }

    /// Checks every extent and combination; the first problem is a typed error naming its field.
    public func validate() throws {
        try vision.validate()
        try positive(text.vocabularySize, "text_config.vocab_size")
        try positive(text.hiddenSize, "text_config.hidden_size")
        try positive(text.intermediateSize, "text_config.intermediate_size")
        try positive(text.heads, "text_config.num_attention_heads")
        try positive(text.keyValueHeads, "text_config.num_key_value_heads")
        try positive(text.maxPositions, "text_config.max_position_embeddings")
        guard text.layers >= 0 else {
            throw InputError.outOfRange(argument: "num_hidden_layers", value: Double(text.layers), range: "[0, ∞)")
        }
        guard text.hiddenSize % text.heads == 0, text.headDimension % 2 == 0 else {
            throw InputError.invalidArgument(argument: "text_config.hidden_size",
                                             reason: "must be num_attention_heads times an even head dimension")
        }
        guard text.heads % text.keyValueHeads == 0 else {
            throw InputError.invalidArgument(argument: "text_config.num_key_value_heads", reason: "must divide num_attention_heads")
        }
        guard (0..<text.vocabularySize).contains(imageTokenID) else {
            throw InputError.outOfRange(argument: "image_token_index", value: Double(imageTokenID),
                                        range: "[0, \(text.vocabularySize))")
        }
        guard (0...vision.layers).contains(visionLayersUsed) else {
            throw InputError.outOfRange(argument: "vision_feature_layer", value: Double(visionFeatureLayer),
                                        range: "[\(-vision.layers - 1), \(vision.layers)]")
        }
        guard [.gelu, .geluTanh, .quickGelu, .silu, .relu].contains(projectorActivation) else {
            throw InputError.invalidArgument(argument: "projector_hidden_act", reason: "unsupported activation")
        }
    }
}
