import Foundation
import Tensor
import Verification

/// LoRA adapters in PEFT's format (Specs/Model.md, "Files"): `adapter_config.json` and
/// `adapter_model.safetensors` with keys `base_model.model.model.language_model.layers.{i}.{module}.lora_{A,B}.weight`.
public struct LoRASettings: Equatable, Sendable {
    public var rank: Int
    public var alpha: Double
    public var dropout: Double
    /// Decoder module names (`q_proj`, …, `down_proj`).
    public var targets: [String]

    public init(rank: Int, alpha: Double, dropout: Double, targets: [String]) {
        self.rank = rank; self.alpha = alpha; self.dropout = dropout; self.targets = targets
    }

    /// Seed 000: r 8, α 32, dropout 0.05 on the attention and MLP projections.
    public static let seed000 = LoRASettings(rank: 8, alpha: 32, dropout: 0.05,
                                             targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])

    /// PEFT's adapter_config.json for these settings (a regex target that matches the decoder only).
    public var peftJSON: JSONValue {
        .object(JSONObject([
            ("base_model_name_or_path", .null), ("bias", .string("none")), ("fan_in_fan_out", .bool(false)),
            ("inference_mode", .bool(true)), ("init_lora_weights", .bool(true)), ("lora_alpha", .number(alpha)),
            ("lora_dropout", .number(dropout)), ("modules_to_save", .null), ("peft_type", .string("LORA")),
            ("r", .number(Double(rank))),
            ("target_modules", .string(".*language_model.*\\.(\(targets.joined(separator: "|")))")),
            ("task_type", .null), ("use_dora", .bool(false)), ("use_rslora", .bool(false)),
        ]))
    }

    /// Reads PEFT's adapter_config.json; options RLRef does not implement (DoRA, rsLoRA, per-module
    /// ranks or alphas, trained biases) are typed errors. Targets come from the adapter file's keys.
    public init(peft json: JSONValue) throws {
        guard case .object(let o) = json else { throw InputError.invalidArgument(argument: "adapter_config.json", reason: "not a JSON object") }
        let reader = ConfigReader(object: o, path: "adapter_config.json")
        if let type = try reader.string("peft_type"), type != "LORA" {
            throw InputError.invalidArgument(argument: "adapter_config.json.peft_type", reason: "only LORA is supported")
        }
        for flag in ["use_dora", "use_rslora"] where try reader.bool(flag) == true {
            throw InputError.invalidArgument(argument: "adapter_config.json.\(flag)", reason: "is not supported")
        }
        for key in ["rank_pattern", "alpha_pattern"] {
            if case .object(let p)? = o[key], !p.keys.isEmpty {
                throw InputError.invalidArgument(argument: "adapter_config.json.\(key)", reason: "per-module settings are not supported")
            }
        }
        if let bias = try reader.string("bias"), bias != "none" {
            throw InputError.invalidArgument(argument: "adapter_config.json.bias", reason: "only \"none\" is supported")
        }
        guard let r = try reader.int("r"), r > 0 else { throw InputError.missingInput(argument: "adapter_config.json.r") }
        self.init(rank: r, alpha: try reader.double("lora_alpha") ?? 8, dropout: try reader.double("lora_dropout") ?? 0, targets: [])
    }
}

extension VisionLanguageModel {
    /// The adapters' tensors under PEFT's names.
    public func adapterTensors() -> [String: Tensor<T>] {
        Dictionary(uniqueKeysWithValues: ParameterNames.adapters(self).map { ($0.0, self[keyPath: $0.1].value) })
    }

    /// Attaches adapters read from PEFT tensors: every `…{module}.lora_A.weight` / `lora_B.weight`
    /// pair becomes the adapter of that decoder projection with scaling α/r.
    /// - Throws: unknown keys (`invalidArgument`), a missing half of a pair (`missingInput`),
    ///   shapes that do not fit the projection or the rank (`shapeMismatch`).
    public mutating func loadAdapters(_ tensors: [String: Tensor<T>], settings: LoRASettings) throws {
        var known: Set<String> = []
        for i in decoderLayers.indices {
            for (name, path) in ParameterNames.decoderProjections(T.self, layer: i) {
                let prefix = "base_model.model.model.language_model.layers.\(i).\(name)."
                let (aName, bName) = (prefix + "lora_A.weight", prefix + "lora_B.weight")
                known.formUnion([aName, bName])
                guard tensors[aName] != nil || tensors[bName] != nil else { continue }
                guard let a = tensors[aName] else { throw InputError.missingInput(argument: "adapter_model.safetensors: \(aName)") }
                guard let b = tensors[bName] else { throw InputError.missingInput(argument: "adapter_model.safetensors: \(bName)") }
                let linear = self[keyPath: path]
                guard a.shape == [settings.rank, linear.inputFeatures] else {
                    throw InputError.shapeMismatch(argument: "adapter_model.safetensors: \(aName)", expected: [settings.rank, linear.inputFeatures], actual: a.shape)
                }
                guard b.shape == [linear.outputFeatures, settings.rank] else {
                    throw InputError.shapeMismatch(argument: "adapter_model.safetensors: \(bName)", expected: [linear.outputFeatures, settings.rank], actual: b.shape)
                }
                self[keyPath: path].lora = LoRAAdapter(a: a, b: b, scaling: T(settings.alpha / Double(settings.rank)),
                                                       dropout: settings.dropout, trainable: false)
            }
        }
        if let extra = tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw InputError.invalidArgument(argument: "adapter_model.safetensors: \(extra)", reason: "is not a LoRA tensor of this model's decoder")
        }
    }
}
