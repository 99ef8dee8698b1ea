import Tensor

extension CLIPModel: NamedParameters {
    public typealias Element = T

    /// Every parameter under the name transformers' `CLIPModel.save_pretrained` writes
    /// (Specs/CLIP.md, "Weight names"): `text_model.…`, `vision_model.…`, the two projections and
    /// `logit_scale` (a 0-dimensional tensor).
    public var namedParameters: [(String, WritableKeyPath<CLIPModel<T>, Parameter<T>>)] {
        var out: [(String, WritableKeyPath<CLIPModel<T>, Parameter<T>>)] = [
            ("text_model.embeddings.token_embedding.weight", \.textEncoder.tokenEmbedding.weight),
            ("text_model.embeddings.position_embedding.weight", \.textEncoder.positionEmbedding.weight),
            ("text_model.final_layer_norm.weight", \.textEncoder.finalLayerNorm.weight),
            ("text_model.final_layer_norm.bias", \.textEncoder.finalLayerNorm.bias),
        ]
        for i in textEncoder.layers.indices {
            out += ParameterNames.encoderLayer(\CLIPModel<T>.textEncoder.layers[i], prefix: "text_model.encoder.layers.\(i).")
        }
        out += ParameterNames.visionTower(\CLIPModel<T>.visionTower, layers: visionTower.layers.count, prefix: "vision_model.")
        out += [("text_projection.weight", \.textProjection.weight), ("visual_projection.weight", \.visualProjection.weight),
                ("logit_scale", \.logitScale)]
        return out
    }
}
