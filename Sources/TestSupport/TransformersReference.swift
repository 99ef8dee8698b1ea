import Foundation
import Models
import Tensor
import Verification

/// A whole-model reference folder written by transformers and PEFT (GoldenData/Model/transformers/<name>/):
/// the model as RLRef loads it, the recorded batch and the expectations of reference.json and
/// reference.safetensors (Specs/Model.md, "Golden inputs and outputs").
public struct TransformersReference {
    public var folder: String
    public var model: VisionLanguageModel<Double>
    public var json: JSONObject
    public var tensors: [String: Tensor<Double>]
    public var batch: ModelBatch<Double>

    public init(_ name: String) throws {
        folder = (Golden.library.directory as NSString).appendingPathComponent("Model/transformers/\(name)")
        model = try ModelFolder.load(folder, as: Double.self)
        guard case .object(let root) = try JSONValue(contentsOf: folder + "/reference.json") else {
            throw InputError.invalidArgument(argument: "reference.json", reason: "not an object")
        }
        json = root
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

    /// The expectation `key` of a reference: an array in reference.json or the name of a tensor in
    /// reference.safetensors.
    public func expected(_ reference: String, _ path: String...) throws -> JSONValue {
        var node = try Self.object(try Self.object(json, "references"), reference)
        for key in path.dropLast() { node = try Self.object(node, key) }
        guard let value = node[path.last!] else { throw InputError.missingInput(argument: path.joined(separator: ".")) }
        if case .string(let name) = value, let t = tensors[name] { return JSONValue(t) }
        return value
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

