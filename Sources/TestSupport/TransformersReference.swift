import Foundation
import Models
import Tensor
import Verification

/// A whole-model reference folder written by transformers and PEFT (GoldenData/Model/transformers/<name>/):
/// the model as RLRef loads it, the recorded batch and the expectations of reference.json and
/// reference.safetensors (Specs/Model.md, "Golden inputs and outputs").
public struct TransformersReference {
    public var folder: String
    /// The folder of the base model when `folder` holds only adapters (reference.json `files.base_model`).
    public var baseFolder: String?
    public var model: VisionLanguageModel<Double>
    public var json: JSONObject
    public var tensors: [String: Tensor<Double>]
    public var batch: ModelBatch<Double>

    public init(_ name: String) throws {
        folder = (Golden.library.directory as NSString).appendingPathComponent("Model/transformers/\(name)")
        guard case .object(let root) = try JSONValue(contentsOf: folder + "/reference.json") else {
            throw InputError.invalidArgument(argument: "reference.json", reason: "not an object")
        }
        json = root
        if case .object(let files)? = root["files"], case .string(let base)? = files["base_model"] {
            baseFolder = ((folder as NSString).appendingPathComponent(base) as NSString).standardizingPath
        }
        model = try ModelFolder.load(folder, as: Double.self, baseFolder: baseFolder)
        tensors = try Safetensors.read(contentsOf: folder + "/reference.safetensors", as: Double.self).tensors
        let inputs = try Self.object(root, "inputs")
        let ids = try JSONValue.tensor(from: inputs["input_ids"]!, argument: "input_ids", as: Double.self)
        let mask = try JSONValue.tensor(from: inputs["attention_mask"]!, argument: "attention_mask", as: Double.self)
        let (rows, length) = (ids.shape[0], ids.shape[1])
        batch = ModelBatch(tokens: (0..<rows).map { b in (0..<length).map { Int(ids[b, $0]) } },
                           attentionMask: (0..<rows).map { b in (0..<length).map { mask[b, $0] != 0 } },
                           pixels: try JSONValue.tensor(from: inputs["pixel_values"]!, argument: "pixel_values"))
    }

    public static func object(_ o: JSONObject, _ key: String) throws -> JSONObject {
        guard case .object(let child)? = o[key] else { throw InputError.missingInput(argument: key) }
        return child
    }

    public func input(_ key: String) throws -> Tensor<Double> {
        try JSONValue.tensor(from: try Self.object(json, "inputs")[key]!, argument: key)
    }

    public func cotangent(_ key: String) throws -> Tensor<Double> {
        try JSONValue.tensor(from: try Self.object(try Self.object(json, "inputs"), "cotangents")[key]!, argument: key)
    }

    /// The expectation at `path` of a reference: an array in reference.json or the name of a tensor in
    /// reference.safetensors. A name met one step before the end of the path (`functional_grad`,
    /// `ppo_loss_grad`, `adamw.final_parameters`) is a vector over all trainable parameters, concatenated in
    /// the order of `trainable.names` with `trainable.shapes`; the last path component is the parameter whose
    /// slice is returned.
    public func expected(_ reference: String, _ path: String...) throws -> JSONValue {
        var node = try Self.object(try Self.object(json, "references"), reference)
        for (index, key) in path.enumerated() {
            guard let value = node[key] else { throw InputError.missingInput(argument: path.joined(separator: ".")) }
            let rest = path[(index + 1)...]
            if case .string(let name) = value, let t = tensors[name] {
                if rest.isEmpty { return JSONValue(t) }
                guard rest.count == 1, let slot = try layout()[rest.first!] else {
                    throw InputError.missingInput(argument: path.joined(separator: "."))
                }
                let count = slot.shape.reduce(1, *)
                guard t.shape.count == 1, slot.offset + count <= t.elements.count else {
                    throw InputError.shapeMismatch(argument: name, expected: [slot.offset + count], actual: t.shape)
                }
                return JSONValue(try Tensor(shape: slot.shape, elements: Array(t.elements[slot.offset..<(slot.offset + count)]), argument: name))
            }
            if rest.isEmpty { return value }
            guard case .object(let child) = value else { throw InputError.missingInput(argument: path.joined(separator: ".")) }
            node = child
        }
        throw InputError.missingInput(argument: reference)
    }

    /// Offset and shape of every trainable parameter in the concatenated vectors (`trainable.names`,
    /// `trainable.shapes` of reference.json).
    public func layout() throws -> [String: (offset: Int, shape: [Int])] {
        let trainable = try Self.object(json, "trainable")
        guard case .array(let shapes)? = trainable["shapes"] else { throw InputError.missingInput(argument: "trainable.shapes") }
        let names = trainableNames
        guard names.count == shapes.count else {
            throw InputError.shapeMismatch(argument: "trainable.shapes", expected: [names.count], actual: [shapes.count])
        }
        var result: [String: (offset: Int, shape: [Int])] = [:]
        var offset = 0
        for (name, shapeValue) in zip(names, shapes) {
            guard case .array(let dims) = shapeValue else { throw InputError.invalidArgument(argument: "trainable.shapes", reason: "not an array") }
            let shape = dims.compactMap { $0.numberValue.map { Int($0) } }
            result[name] = (offset, shape)
            offset += shape.reduce(1, *)
        }
        return result
    }

    public func tolerance(_ reference: String) throws -> Tolerance {
        let t = try Self.object(try Self.object(json, "tolerance"), reference)
        return Tolerance(absolute: t["atol"]!.numberValue!, relative: t["rtol"]!.numberValue!)
    }

    public var trainableNames: [String] {
        guard case .object(let t)? = json["trainable"], case .array(let names)? = t["names"] else { return [] }
        return names.compactMap { if case .string(let s) = $0 { s } else { nil } }
    }

    /// The model with exactly the recorded trainable parameters trainable.
    public var trainableModel: VisionLanguageModel<Double> {
        var m = model
        let names = Set(trainableNames)
        m.setTrainable { names.contains($0) }
        return m
    }

    /// Trainable parameters the recorded loss never reaches (torch leaves their gradient None).
    public var parametersWithoutGradient: [String] {
        guard case .object(let refs)? = json["references"], case .object(let f64)? = refs["float64"],
              case .array(let names)? = f64["parameters_without_gradient"] else { return [] }
        return names.compactMap { if case .string(let s) = $0 { s } else { nil } }
    }

    public func gradients(of m: VisionLanguageModel<Double>) -> [String: Tensor<Double>] {
        Dictionary(uniqueKeysWithValues: ParameterNames.all(m).filter { m[keyPath: $0.1].isTrainable }
            .map { ($0.0, m[keyPath: $0.1].gradient) })
    }
}

