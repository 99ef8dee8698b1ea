import Tensor
import Verification

// config.json as transformers reads and writes it for `LlavaForConditionalGeneration` with a
// `clip_vision_model` vision config and a `llama` text config (Specs/Model.md, "Files").

extension ModelConfiguration {
    /// Reads a transformers `LlavaConfig` JSON object. Missing optional fields take transformers'
    /// defaults; an unsupported architecture or a field of the wrong type is a typed error.
    public init(huggingFace json: JSONValue) throws {
        let reader = try ConfigReader(root: json, modelType: "llava")
        let v = try reader.child("vision_config")
        let t = try reader.child("text_config")
        try t.requireModelType("llama")
        let vision = try VisionConfiguration(huggingFace: v)
        let heads = try t.int("num_attention_heads") ?? 32
        var text = TextConfiguration(
            vocabularySize: try t.int("vocab_size") ?? 32000, hiddenSize: try t.int("hidden_size") ?? 4096,
            intermediateSize: try t.int("intermediate_size") ?? 11008, layers: try t.int("num_hidden_layers") ?? 32,
            heads: heads, keyValueHeads: try t.int("num_key_value_heads") ?? heads)
        text.rmsNormEpsilon = try t.double("rms_norm_eps") ?? 1e-6
        text.maxPositions = try t.int("max_position_embeddings") ?? 2048
        text.bosTokenID = try t.int("bos_token_id") ?? 1
        text.eosTokenID = try t.int("eos_token_id") ?? 2
        text.padTokenID = try t.int("pad_token_id")
        if let rope = try t.optionalChild("rope_parameters") {
            if let type = try rope.string("rope_type"), type != "default" {
                throw InputError.invalidArgument(argument: "text_config.rope_parameters.rope_type", reason: "only \"default\" is supported")
            }
            text.ropeTheta = try rope.double("rope_theta") ?? 10_000
        } else {
            text.ropeTheta = try t.double("rope_theta") ?? 10_000
        }
        if let headDim = try t.int("head_dim"), headDim != text.hiddenSize / max(heads, 1) {
            throw InputError.invalidArgument(argument: "text_config.head_dim", reason: "must equal hidden_size / num_attention_heads")
        }
        if try t.bool("tie_word_embeddings") == true || reader.bool("tie_word_embeddings") == true {
            throw InputError.invalidArgument(argument: "tie_word_embeddings", reason: "tied embeddings are not supported")
        }
        if try t.bool("attention_bias") == true || t.bool("mlp_bias") == true {
            throw InputError.invalidArgument(argument: "text_config.attention_bias", reason: "biases in the decoder are not supported")
        }
        if let act = try t.string("hidden_act"), act != "silu" {
            throw InputError.invalidArgument(argument: "text_config.hidden_act", reason: "only \"silu\" is supported")
        }
        self.init(vision: vision, text: text, imageTokenID: try reader.int("image_token_index") ?? 32000)
        projectorActivation = try reader.activation("projector_hidden_act") ?? .gelu
        visionFeatureLayer = try reader.int("vision_feature_layer") ?? -2
        if let s = try reader.string("vision_feature_select_strategy") {
            guard let selection = FeatureSelection(rawValue: s) else {
                throw InputError.invalidArgument(argument: "config.json.vision_feature_select_strategy", reason: "must be \"default\" or \"full\"")
            }
            featureSelection = selection
        }
        projectorBias = try reader.bool("multimodal_projector_bias") ?? true
        try validate()
    }

    /// The configuration as transformers writes it (`save_pretrained`), `dtype` as given.
    public func huggingFaceJSON(dtype: String) -> JSONValue {
        func n(_ x: Int) -> JSONValue { .number(Double(x)) }
        let textObject = JSONObject([
            ("attention_bias", .bool(false)), ("attention_dropout", .number(0)),
            ("bos_token_id", n(text.bosTokenID)), ("eos_token_id", n(text.eosTokenID)),
            ("head_dim", n(text.headDimension)), ("hidden_act", .string("silu")),
            ("hidden_size", n(text.hiddenSize)), ("intermediate_size", n(text.intermediateSize)),
            ("max_position_embeddings", n(text.maxPositions)), ("mlp_bias", .bool(false)),
            ("model_type", .string("llama")), ("num_attention_heads", n(text.heads)),
            ("num_hidden_layers", n(text.layers)), ("num_key_value_heads", n(text.keyValueHeads)),
            ("pad_token_id", text.padTokenID.map(n) ?? .null), ("rms_norm_eps", .number(text.rmsNormEpsilon)),
            ("rope_parameters", .object(JSONObject([("rope_theta", .number(text.ropeTheta)), ("rope_type", .string("default"))]))),
            ("tie_word_embeddings", .bool(false)), ("vocab_size", n(text.vocabularySize)),
        ])
        return .object(JSONObject([
            ("architectures", .array([.string("LlavaForConditionalGeneration")])),
            ("dtype", .string(dtype)), ("image_seq_length", n(imageTokensPerImage)),
            ("image_token_index", n(imageTokenID)), ("model_type", .string("llava")),
            ("multimodal_projector_bias", .bool(projectorBias)),
            ("projector_hidden_act", .string(projectorActivation.rawValue)),
            ("text_config", .object(textObject)), ("tie_word_embeddings", .bool(false)),
            ("vision_config", .object(vision.huggingFaceObject)), ("vision_feature_layer", n(visionFeatureLayer)),
            ("vision_feature_select_strategy", .string(featureSelection.rawValue)),
        ]))
    }
}

extension VisionConfiguration {
    /// Reads a transformers `CLIPVisionConfig` object (`vision_config` of LLaVA and CLIP); missing
    /// fields take transformers' defaults.
    init(huggingFace v: ConfigReader) throws {
        try v.requireModelType("clip_vision_model")
        self.init(hiddenSize: try v.int("hidden_size") ?? 768, intermediateSize: try v.int("intermediate_size") ?? 3072,
                  layers: try v.int("num_hidden_layers") ?? 12, heads: try v.int("num_attention_heads") ?? 12,
                  imageSize: try v.int("image_size") ?? 224, patchSize: try v.int("patch_size") ?? 32)
        channels = try v.int("num_channels") ?? 3
        activation = try v.activation("hidden_act") ?? .quickGelu
        layerNormEpsilon = try v.double("layer_norm_eps") ?? 1e-5
        projectionDimension = try v.int("projection_dim") ?? 512
    }

    /// The object transformers writes for a `CLIPVisionConfig`.
    var huggingFaceObject: JSONObject {
        func n(_ x: Int) -> JSONValue { .number(Double(x)) }
        return JSONObject([
            ("attention_dropout", .number(0)), ("hidden_act", .string(activation.rawValue)),
            ("hidden_size", n(hiddenSize)), ("image_size", n(imageSize)),
            ("intermediate_size", n(intermediateSize)), ("layer_norm_eps", .number(layerNormEpsilon)),
            ("model_type", .string("clip_vision_model")), ("num_attention_heads", n(heads)),
            ("num_channels", n(channels)), ("num_hidden_layers", n(layers)),
            ("patch_size", n(patchSize)), ("projection_dim", n(projectionDimension)),
        ])
    }
}

/// Typed field access into one object of config.json; errors name the field's path.
struct ConfigReader {
    var object: JSONObject
    var path: String

    init(object: JSONObject, path: String) {
        self.object = object
        self.path = path
    }

    /// The root object of a config.json whose `model_type`, when given, is `modelType`.
    /// - Throws: `invalidArgument` for a non-object or another model type.
    init(root json: JSONValue, modelType: String) throws {
        guard case .object(let root) = json else {
            throw InputError.invalidArgument(argument: "config.json", reason: "not a JSON object")
        }
        self.init(object: root, path: "config.json")
        try requireModelType(modelType)
    }

    /// Throws `invalidArgument` naming `<path>.model_type` when the field is present and not `type`.
    func requireModelType(_ type: String) throws {
        if let found = try string("model_type"), found != type {
            throw InputError.invalidArgument(argument: "\(path).model_type", reason: "is not \"\(type)\"")
        }
    }

    func child(_ key: String) throws -> ConfigReader {
        guard let c = try optionalChild(key) else { throw InputError.missingInput(argument: "\(path).\(key)") }
        return c
    }

    func optionalChild(_ key: String) throws -> ConfigReader? {
        switch object[key] {
        case nil, .null?: return nil
        case .object(let o)?: return ConfigReader(object: o, path: key)
        default: throw InputError.invalidArgument(argument: "\(path).\(key)", reason: "not a JSON object")
        }
    }

    func int(_ key: String) throws -> Int? {
        switch object[key] {
        case nil, .null?: return nil
        case .number(let d)?:
            guard d == d.rounded(), abs(d) < 1e12 else {
                throw InputError.invalidArgument(argument: "\(path).\(key)", reason: "not an integer")
            }
            return Int(d)
        default: throw InputError.invalidArgument(argument: "\(path).\(key)", reason: "not a number")
        }
    }

    func double(_ key: String) throws -> Double? {
        switch object[key] {
        case nil, .null?: return nil
        case .number(let d)?: return d
        default: throw InputError.invalidArgument(argument: "\(path).\(key)", reason: "not a number")
        }
    }

    func string(_ key: String) throws -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw InputError.invalidArgument(argument: "\(path).\(key)", reason: "not a string")
        }
    }

    func bool(_ key: String) throws -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default: throw InputError.invalidArgument(argument: "\(path).\(key)", reason: "not a boolean")
        }
    }

    func activation(_ key: String) throws -> Activation? {
        guard let name = try string(key) else { return nil }
        guard let a = Activation(rawValue: name) else {
            throw InputError.invalidArgument(argument: "\(path).\(key)", reason: "unknown activation")
        }
        return a
    }
}
