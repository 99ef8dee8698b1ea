import Tensor
import Verification

// config.json as transformers reads and writes it for `CLIPModel` (Specs/CLIP.md, "Files"): a
// `clip_text_model` text config and a `clip_vision_model` vision config (the same object LLaVA's
// `vision_config` holds).

extension CLIPConfiguration {
    /// Reads a transformers `CLIPConfig` JSON object. Missing fields take transformers' defaults; another
    /// `model_type` or a field of the wrong type is a typed error naming it.
    public init(huggingFace json: JSONValue) throws {
        let reader = try ConfigReader(root: json, modelType: "clip")
        let t = try reader.child("text_config")
        try t.requireModelType("clip_text_model")
        var text = CLIPTextConfiguration(
            vocabularySize: try t.int("vocab_size") ?? 49408, hiddenSize: try t.int("hidden_size") ?? 512,
            intermediateSize: try t.int("intermediate_size") ?? 2048, layers: try t.int("num_hidden_layers") ?? 12,
            heads: try t.int("num_attention_heads") ?? 8)
        text.maxPositions = try t.int("max_position_embeddings") ?? 77
        text.activation = try t.activation("hidden_act") ?? .quickGelu
        text.layerNormEpsilon = try t.double("layer_norm_eps") ?? 1e-5
        text.bosTokenID = try t.int("bos_token_id") ?? 49406
        text.eosTokenID = try t.int("eos_token_id") ?? 49407
        text.padTokenID = try t.int("pad_token_id")
        let vision = try VisionConfiguration(huggingFace: try reader.child("vision_config"))
        self.init(text: text, vision: vision, projectionDimension: try reader.int("projection_dim") ?? 512)
        self.text.projectionDimension = try t.int("projection_dim") ?? projectionDimension
        self.vision.projectionDimension = vision.projectionDimension
        logitScaleInitialValue = try reader.double("logit_scale_init_value") ?? 2.6592
        try validate()
    }

    /// The configuration as transformers writes it (`save_pretrained`), `dtype` as given.
    public func huggingFaceJSON(dtype: String) -> JSONValue {
        func n(_ x: Int) -> JSONValue { .number(Double(x)) }
        let textObject = JSONObject([
            ("attention_dropout", .number(0)), ("bos_token_id", n(text.bosTokenID)), ("eos_token_id", n(text.eosTokenID)),
            ("hidden_act", .string(text.activation.rawValue)), ("hidden_size", n(text.hiddenSize)),
            ("intermediate_size", n(text.intermediateSize)), ("layer_norm_eps", .number(text.layerNormEpsilon)),
            ("max_position_embeddings", n(text.maxPositions)), ("model_type", .string("clip_text_model")),
            ("num_attention_heads", n(text.heads)), ("num_hidden_layers", n(text.layers)),
            ("pad_token_id", text.padTokenID.map(n) ?? .null), ("projection_dim", n(text.projectionDimension)),
            ("vocab_size", n(text.vocabularySize)),
        ])
        return .object(JSONObject([
            ("architectures", .array([.string("CLIPModel")])), ("dtype", .string(dtype)),
            ("logit_scale_init_value", .number(logitScaleInitialValue)), ("model_type", .string("clip")),
            ("projection_dim", n(projectionDimension)), ("text_config", .object(textObject)),
            ("vision_config", .object(vision.huggingFaceObject)),
        ]))
    }
}
