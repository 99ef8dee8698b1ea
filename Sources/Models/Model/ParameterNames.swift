import Tensor

/// The Hugging Face names of every parameter (Specs/Model.md, "Weight names"): base weights as
/// transformers writes a `LlavaForConditionalGeneration` to model.safetensors, LoRA tensors as
/// PEFT writes them to adapter_model.safetensors, and the value head's own names.
public enum ParameterNames {
    public typealias Path<T: Scalar> = WritableKeyPath<VisionLanguageModel<T>, Parameter<T>>

    /// Base weights under their on-disk names, in a fixed order.
    public static func base<T: Scalar>(_ m: VisionLanguageModel<T>) -> [(String, Path<T>)] {
        visionTower(m) + [
            ("multi_modal_projector.linear_1.weight", \.projector.first.weight),
            ("multi_modal_projector.linear_2.weight", \.projector.second.weight),
        ] + (m.configuration.projectorBias ? [
            ("multi_modal_projector.linear_1.bias", \.projector.first.bias!),
            ("multi_modal_projector.linear_2.bias", \.projector.second.bias!),
        ] : []) + decoder(m)
    }

    /// The vision tower's weights (`vision_tower.…`).
    public static func visionTower<T: Scalar>(_ m: VisionLanguageModel<T>) -> [(String, Path<T>)] {
        visionTower(\.visionTower, layers: m.visionTower.layers.count, prefix: "vision_tower.")
    }

    /// A CLIP vision tower's weights as transformers names them under `prefix` (`vision_tower.` in
    /// LLaVA, `vision_model.` in CLIPModel), for the tower at `tower` with `layers` encoder layers.
    public static func visionTower<Root, T: Scalar>(_ tower: WritableKeyPath<Root, VisionTower<T>>, layers: Int,
                                                    prefix: String) -> [(String, WritableKeyPath<Root, Parameter<T>>)] {
        var out: [(String, WritableKeyPath<Root, Parameter<T>>)] = [
            (prefix + "embeddings.class_embedding", tower.appending(path: \.embeddings.classEmbedding)),
            (prefix + "embeddings.patch_embedding.weight", tower.appending(path: \.embeddings.patchWeight)),
            (prefix + "embeddings.position_embedding.weight", tower.appending(path: \.embeddings.positionEmbedding)),
            (prefix + "pre_layrnorm.weight", tower.appending(path: \.preLayerNorm.weight)),
            (prefix + "pre_layrnorm.bias", tower.appending(path: \.preLayerNorm.bias)),
            (prefix + "post_layernorm.weight", tower.appending(path: \.postLayerNorm.weight)),
            (prefix + "post_layernorm.bias", tower.appending(path: \.postLayerNorm.bias)),
        ]
        for i in 0..<layers {
            out += encoderLayer(tower.appending(path: \.layers[i]), prefix: prefix + "encoder.layers.\(i).")
        }
        return out
    }

    /// One CLIP encoder layer's weights (`layer_norm1`, `mlp.fc1`, `self_attn.q_proj`, …) under `prefix`.
    public static func encoderLayer<Root, T: Scalar>(_ layer: WritableKeyPath<Root, EncoderLayer<T>>,
                                                     prefix p: String) -> [(String, WritableKeyPath<Root, Parameter<T>>)] {
        var out: [(String, WritableKeyPath<Root, Parameter<T>>)] = [
            (p + "layer_norm1.weight", layer.appending(path: \.layerNorm1.weight)),
            (p + "layer_norm1.bias", layer.appending(path: \.layerNorm1.bias)),
            (p + "layer_norm2.weight", layer.appending(path: \.layerNorm2.weight)),
            (p + "layer_norm2.bias", layer.appending(path: \.layerNorm2.bias)),
            (p + "mlp.fc1.weight", layer.appending(path: \.mlp.first.weight)),
            (p + "mlp.fc1.bias", layer.appending(path: \.mlp.first.bias!)),
            (p + "mlp.fc2.weight", layer.appending(path: \.mlp.second.weight)),
            (p + "mlp.fc2.bias", layer.appending(path: \.mlp.second.bias!)),
        ]
        for (name, projection) in attentionProjections(T.self, output: "out_proj") {
            out.append((p + "self_attn.\(name).weight", layer.appending(path: \.attention).appending(path: projection).appending(path: \.weight)))
            out.append((p + "self_attn.\(name).bias", layer.appending(path: \.attention).appending(path: projection).appending(path: \.bias!)))
        }
        return out
    }

    /// The decoder's weights (`language_model.…`).
    public static func decoder<T: Scalar>(_ m: VisionLanguageModel<T>) -> [(String, Path<T>)] {
        var out: [(String, Path<T>)] = [
            ("language_model.model.embed_tokens.weight", \.tokenEmbedding.weight),
            ("language_model.model.norm.weight", \.finalNorm.weight),
            ("language_model.lm_head.weight", \.lmHead.weight),
        ]
        for i in m.decoderLayers.indices {
            let p = "language_model.model.layers.\(i)."
            out.append((p + "input_layernorm.weight", \.decoderLayers[i].inputNorm.weight))
            out.append((p + "post_attention_layernorm.weight", \.decoderLayers[i].postAttentionNorm.weight))
            for (name, linear) in decoderProjections(T.self, layer: i) {
                out.append((p + name + ".weight", linear.appending(path: \.weight)))
            }
        }
        return out
    }

    /// LoRA tensors under PEFT's saved names
    /// (`base_model.model.model.language_model.layers.{i}.{module}.lora_{A,B}.weight`).
    public static func adapters<T: Scalar>(_ m: VisionLanguageModel<T>) -> [(String, Path<T>)] {
        var out: [(String, Path<T>)] = []
        for i in m.decoderLayers.indices {
            for (name, linear) in decoderProjections(T.self, layer: i) where m[keyPath: linear].lora != nil {
                let p = "base_model.model.model.language_model.layers.\(i).\(name)."
                out.append((p + "lora_A.weight", linear.appending(path: \.lora!.a)))
                out.append((p + "lora_B.weight", linear.appending(path: \.lora!.b)))
            }
        }
        return out
    }

    /// The value head's tensors (`value_head.layers.{k}.weight`, `.bias`).
    public static func valueHead<T: Scalar>(_ m: VisionLanguageModel<T>) -> [(String, Path<T>)] {
        guard let head = m.valueHead else { return [] }
        return head.layers.indices.flatMap { k -> [(String, Path<T>)] in
            [("value_head.layers.\(k).weight", \.valueHead!.layers[k].weight),
             ("value_head.layers.\(k).bias", \.valueHead!.layers[k].bias!)]
        }
    }

    /// Every parameter: base, adapters, value head.
    public static func all<T: Scalar>(_ m: VisionLanguageModel<T>) -> [(String, Path<T>)] {
        base(m) + adapters(m) + valueHead(m)
    }

    /// The decoder's seven projections of layer i under their module names (LoRA's targets).
    public static func decoderProjections<T: Scalar>(_: T.Type, layer i: Int)
        -> [(String, WritableKeyPath<VisionLanguageModel<T>, Linear<T>>)] {
        [("self_attn.q_proj", \.decoderLayers[i].attention.query), ("self_attn.k_proj", \.decoderLayers[i].attention.key),
         ("self_attn.v_proj", \.decoderLayers[i].attention.value), ("self_attn.o_proj", \.decoderLayers[i].attention.output),
         ("mlp.gate_proj", \.decoderLayers[i].mlp.gate), ("mlp.up_proj", \.decoderLayers[i].mlp.up),
         ("mlp.down_proj", \.decoderLayers[i].mlp.down)]
    }

    private static func attentionProjections<T: Scalar>(_: T.Type, output: String)
        -> [(String, WritableKeyPath<SelfAttention<T>, Linear<T>>)] {
        [("q_proj", \.query), ("k_proj", \.key), ("v_proj", \.value), (output, \.output)]
    }

    /// A name as other writers spell it, mapped to the on-disk name above: transformers' in-memory
    /// names (`model.language_model.…`, `model.vision_tower.…`, `lm_head.weight`) and the older
    /// llava-hf layout (`vision_tower.vision_model.…`).
    public static func canonical(_ name: String) -> String {
        let rules: [(String, String)] = [
            ("model.language_model.", "language_model.model."), ("model.vision_tower.", "vision_tower."),
            ("model.multi_modal_projector.", "multi_modal_projector."), ("vision_tower.vision_model.", "vision_tower."),
        ]
        if name == "lm_head.weight" { return "language_model.lm_head.weight" }
        for (prefix, replacement) in rules where name.hasPrefix(prefix) {
            return replacement + name.dropFirst(prefix.count)
        }
        return name
    }
}
