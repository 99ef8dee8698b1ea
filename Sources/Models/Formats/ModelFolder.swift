import Foundation
import Tensor
import Verification

/// A model folder as transformers and PEFT write them (Specs/Model.md, "Files"): `config.json` and
/// `model.safetensors`, optionally `adapter_config.json` + `adapter_model.safetensors` (PEFT) and
/// `value_head.safetensors` (RLRef's value head, `value_head.layers.{k}`).
public enum ModelFolder {
    /// Loads every part present in `folder` as `T`. The value head's activation is `valueHeadActivation`.
    /// `baseFolder`, when given, holds `config.json` and `model.safetensors` instead of `folder` (an adapter
    /// folder saved by PEFT apart from its base model).
    public static func load<T: Scalar>(_ folder: String, as: T.Type = T.self, valueHeadActivation: Activation = .relu,
                                       rotaryTablePrecision: RotaryEmbedding.TablePrecision = .native,
                                       baseFolder: String? = nil) throws -> VisionLanguageModel<T> {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        func basePath(_ name: String) -> String { ((baseFolder ?? folder) as NSString).appendingPathComponent(name) }
        let configuration = try ModelConfiguration(huggingFace: readJSON(basePath("config.json")))
        let weights: Safetensors.Contents<T> = try Safetensors.read(contentsOf: basePath("model.safetensors"))
        var model = try VisionLanguageModel(configuration: configuration, weights: weights.tensors,
                                            rotaryTablePrecision: rotaryTablePrecision)
        if FileManager.default.fileExists(atPath: path("adapter_config.json")) {
            let settings = try LoRASettings(peft: readJSON(path("adapter_config.json")))
            let adapters: Safetensors.Contents<T> = try Safetensors.read(contentsOf: path("adapter_model.safetensors"))
            try model.loadAdapters(adapters.tensors, settings: settings)
        }
        if FileManager.default.fileExists(atPath: path("value_head.safetensors")) {
            let head: Safetensors.Contents<T> = try Safetensors.read(contentsOf: path("value_head.safetensors"))
            model.valueHead = try ValueHead(tensors: head.tensors, inputWidth: configuration.text.hiddenSize, activation: valueHeadActivation)
        }
        return model
    }

    /// Writes the model's parts into `folder` (created if needed), each file atomically:
    /// config.json, model.safetensors (`dtype`), and the adapters and value head when present.
    public static func save<T: Scalar>(_ model: VisionLanguageModel<T>, to folder: String, dtype: Safetensors.DType = .f32,
                                       lora: LoRASettings? = nil) throws {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        let dtypeName = dtype == .f32 ? "float32" : "float64"
        try writeConfigAndWeights(BaseWeights(model: model), config: model.configuration.huggingFaceJSON(dtype: dtypeName),
                                  to: folder, dtype: dtype)
        let adapters = model.adapterTensors()
        if !adapters.isEmpty {
            let settings = lora ?? model.inferredLoRASettings()
            try AtomicFile.write(Data(settings.peftJSON.serialized(indent: 2).utf8), to: path("adapter_config.json"))
            try Safetensors.write(adapters, dtype: dtype, to: path("adapter_model.safetensors"))
        }
        if model.valueHead != nil {
            let head = Dictionary(uniqueKeysWithValues: ParameterNames.valueHead(model).map { ($0.0, model[keyPath: $0.1].value) })
            try Safetensors.write(head, dtype: dtype, to: path("value_head.safetensors"), metadata: [:])
        }
    }

    /// Loads a CLIPModel folder (config.json with `model_type` "clip", model.safetensors) as `T`
    /// (Specs/CLIP.md, "Files"). - Throws: the config's and the weights' typed errors.
    public static func loadCLIP<T: Scalar>(_ folder: String, as: T.Type = T.self) throws -> CLIPModel<T> {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        let configuration = try CLIPConfiguration(huggingFace: readJSON(path("config.json")))
        let weights: Safetensors.Contents<T> = try Safetensors.read(contentsOf: path("model.safetensors"))
        return try CLIPModel(configuration: configuration, weights: weights.tensors)
    }

    /// Writes config.json (`architectures` ["CLIPModel"]) and model.safetensors (`dtype`) into `folder`
    /// (created if needed), each file atomically: what `CLIPModel.from_pretrained` reads.
    public static func save<T: Scalar>(_ model: CLIPModel<T>, to folder: String, dtype: Safetensors.DType = .f32) throws {
        try writeConfigAndWeights(model, config: model.configuration.huggingFaceJSON(dtype: dtype == .f32 ? "float32" : "float64"),
                                  to: folder, dtype: dtype)
    }

    /// config.json and model.safetensors (every named parameter) of `model` into `folder`.
    static func writeConfigAndWeights<M: NamedParameters>(_ model: M, config: JSONValue, to folder: String,
                                                          dtype: Safetensors.DType) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        try AtomicFile.write(Data(config.serialized(indent: 2).utf8), to: path("config.json"))
        let tensors = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.0, model[keyPath: $0.1].value) })
        try Safetensors.write(tensors, dtype: dtype, to: path("model.safetensors"))
    }

    /// A JSON file of the folder (config, adapter config, tokenizer), read within `InputFile`'s limit.
    /// - Throws: `InputFileError` when unreadable or too large, `InputError` naming the file when not JSON.
    public static func readJSON(_ path: String) throws -> JSONValue {
        let bytes = try InputFile.bytes(atPath: path)
        do { return try JSONValue(parsing: bytes) } catch {
            throw InputError.invalidArgument(argument: (path as NSString).lastPathComponent, reason: "is not JSON (\(error))")
        }
    }
}

/// The base weights of a LLaVA-layout model (model.safetensors: no adapters, no value head).
struct BaseWeights<T: Scalar>: NamedParameters {
    var model: VisionLanguageModel<T>
    var namedParameters: [(String, WritableKeyPath<BaseWeights<T>, Parameter<T>>)] {
        let root: WritableKeyPath<BaseWeights<T>, VisionLanguageModel<T>> = \.model
        return ParameterNames.base(model).map { ($0.0, root.appending(path: $0.1)) }
    }
}

extension VisionLanguageModel {
    /// Rank, α, dropout and target modules of the attached adapters (α from the scaling s = α/r).
    func inferredLoRASettings() -> LoRASettings {
        var targets: [String] = []
        var first: LoRAAdapter<T>?
        for (name, path) in ParameterNames.adapterLinears(self) {
            let module = String(name.split(separator: ".").last!)
            if !targets.contains(module) { targets.append(module) }
            first = first ?? self[keyPath: path].lora
        }
        let rank = first?.rank ?? 1
        return LoRASettings(rank: rank, alpha: Double(first?.scaling ?? 1) * Double(rank), dropout: first?.dropout ?? 0, targets: targets)
    }
}

extension ValueHead {
    /// A head from `value_head.layers.{k}.weight` / `.bias` tensors on width `inputWidth`.
    public init(tensors: [String: Tensor<T>], inputWidth: Int, activation: Activation) throws {
        var layers: [Linear<T>] = []
        var width = inputWidth
        var used: Set<String> = []
        while let w = tensors["value_head.layers.\(layers.count).weight"] {
            let name = "value_head.layers.\(layers.count)"
            guard w.rank == 2, w.shape[1] == width else {
                throw InputError.shapeMismatch(argument: "\(name).weight", expected: [-1, width], actual: w.shape)
            }
            guard let b = tensors["\(name).bias"] else { throw InputError.missingInput(argument: "\(name).bias") }
            guard b.shape == [w.shape[0]] else { throw InputError.shapeMismatch(argument: "\(name).bias", expected: [w.shape[0]], actual: b.shape) }
            used.formUnion(["\(name).weight", "\(name).bias"])
            layers.append(Linear(weight: w, bias: b))
            width = w.shape[0]
        }
        guard !layers.isEmpty else { throw InputError.missingInput(argument: "value_head.layers.0.weight") }
        guard width == 1 else { throw InputError.shapeMismatch(argument: "value_head", expected: [1], actual: [width]) }
        if let extra = tensors.keys.sorted().first(where: { !used.contains($0) }) {
            throw InputError.invalidArgument(argument: extra, reason: "is not a value-head tensor")
        }
        self.init(layers: layers, activation: activation)
    }
}
