import Foundation
import Models
import RLAlgorithms
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/Model.md Model-16 against models that transformers and PEFT created and saved themselves
/// (GoldenData/Model/transformers/<name>/): the files load, and logits, scores, the gradient of every
/// trainable parameter under a random functional and under the PPO loss (Specs/PPOLoss.md) match
/// both references — "float64" (transformers' float32 steps switched to float64) at 1e-12 / 1e-10,
/// "transformers" (as users run it) at the generator's derived tolerance.
@Suite("Model against transformers and PEFT")
struct TransformersReferenceTests {
    static let folders = ["micro-lora", "micro-full"]

    /// One reference folder: the model as RLRef loads it, the recorded batch and the expectations.
    struct Reference {
        var folder: String
        var model: VisionLanguageModel<Double>
        var json: JSONObject
        var tensors: [String: Tensor<Double>]
        var batch: ModelBatch<Double>

        init(_ name: String) throws {
            folder = (Golden.library.directory as NSString).appendingPathComponent("Model/transformers/\(name)")
            model = try ModelFolder.load(folder, as: Double.self)
            guard case .object(let root) = try JSONValue(parsing: String(contentsOfFile: folder + "/reference.json", encoding: .utf8)) else {
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

        static func object(_ o: JSONObject, _ key: String) throws -> JSONObject {
            guard case .object(let child)? = o[key] else { throw InputError.missingInput(argument: key) }
            return child
        }

        func input(_ key: String) throws -> Tensor<Double> {
            try JSONValue.tensor(from: try Self.object(json, "inputs")[key]!, argument: key)
        }

        func cotangent(_ key: String) throws -> Tensor<Double> {
            try JSONValue.tensor(from: try Self.object(try Self.object(json, "inputs"), "cotangents")[key]!, argument: key)
        }

        /// The expectation `key` of a reference: an array in reference.json or the name of a tensor in
        /// reference.safetensors.
        func expected(_ reference: String, _ path: String...) throws -> JSONValue {
            var node = try Self.object(try Self.object(json, "references"), reference)
            for key in path.dropLast() { node = try Self.object(node, key) }
            guard let value = node[path.last!] else { throw InputError.missingInput(argument: path.joined(separator: ".")) }
            if case .string(let name) = value, let t = tensors[name] { return JSONValue(t) }
            return value
        }

        func tolerance(_ reference: String) throws -> Tolerance {
            let t = try Self.object(try Self.object(json, "tolerance"), reference)
            return Tolerance(absolute: t["atol"]!.numberValue!, relative: t["rtol"]!.numberValue!)
        }

        var trainableNames: [String] {
            guard case .object(let t)? = json["trainable"], case .array(let names)? = t["names"] else { return [] }
            return names.compactMap { if case .string(let s) = $0 { s } else { nil } }
        }

        /// The model with exactly the recorded trainable parameters trainable.
        var trainableModel: VisionLanguageModel<Double> {
            var m = model
            let names = Set(trainableNames)
            m.setTrainable { names.contains($0) }
            return m
        }

        func gradients(of m: VisionLanguageModel<Double>) -> [String: Tensor<Double>] {
            Dictionary(uniqueKeysWithValues: ParameterNames.all(m).filter { m[keyPath: $0.1].isTrainable }
                .map { ($0.0, m[keyPath: $0.1].gradient) })
        }
    }

    static func expectMatch(_ expected: JSONValue, _ actual: JSONValue, _ tolerance: Tolerance, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        let report = compare(expected: expected, actual: actual, tolerance: tolerance, path: what)
        #expect(report.passed && report.comparedElements > 0, "\(what): \(report)", sourceLocation: sourceLocation)
    }

    static let references = ["float64", "transformers"]

    @Test("logits, log-probs, entropies and values", arguments: folders)
    func forward(_ name: String) throws {
        let r = try Reference(name)
        var context = ForwardContext.evaluation
        let rows = r.batch.rows, steps = r.batch.length - 1
        let scores = try r.model.score(r.batch, mask: Tensor(shape: [rows, steps], repeating: 1), context: &context)
        for reference in Self.references {
            let tol = try r.tolerance(reference)
            Self.expectMatch(try r.expected(reference, "logits"), JSONValue(scores.pass.logits), tol, "\(reference) logits")
            Self.expectMatch(try r.expected(reference, "log_probs"), JSONValue(scores.logProbs), tol, "\(reference) log_probs")
            Self.expectMatch(try r.expected(reference, "entropy"), JSONValue(scores.entropy), tol, "\(reference) entropy")
            Self.expectMatch(try r.expected(reference, "values"), JSONValue(scores.values!), tol, "\(reference) values")
        }
    }

    @Test("gradient of every trainable parameter under a random functional of log-probs, entropies and values", arguments: folders)
    func functionalGradient(_ name: String) throws {
        let r = try Reference(name)
        var model = r.trainableModel
        var context = ForwardContext.evaluation
        let rows = r.batch.rows, steps = r.batch.length - 1
        let scores = try model.score(r.batch, mask: Tensor(shape: [rows, steps], repeating: 1), context: &context)
        try model.backward(scores, logProbsGradient: try r.cotangent("log_probs"), entropyGradient: try r.cotangent("entropy"),
                           valuesGradient: try r.cotangent("values"))
        let functional = scores.logProbs.dot(try r.cotangent("log_probs")) + scores.entropy.dot(try r.cotangent("entropy"))
            + scores.values!.dot(try r.cotangent("values"))
        let gradients = r.gradients(of: model)
        #expect(gradients.count == r.trainableNames.count)
        for reference in Self.references {
            let tol = try r.tolerance(reference)
            Self.expectMatch(try r.expected(reference, "functional"), .number(functional), tol, "\(reference) functional")
            for name in r.trainableNames {
                Self.expectMatch(try r.expected(reference, "functional_grad", name), JSONValue(gradients[name]!), tol, "\(reference) ∂/∂\(name)")
            }
        }
    }

    /// The PPO loss of Specs/PPOLoss.md (paper preset) over the response tokens, through RLAlgorithms.
    static func ppoLoss(_ r: Reference, model: inout VisionLanguageModel<Double>, backward: Bool) throws -> PPOLossResult<Double> {
        var context = ForwardContext.evaluation
        let mask = try r.input("response_mask")
        let scores = try model.score(r.batch, mask: mask, context: &context)
        let batch = try PPOLossBatch(logProbs: scores.logProbs, oldLogProbs: try r.input("old_log_probs"),
                                     advantages: try r.input("advantages"), values: scores.values!,
                                     oldValues: try r.input("old_values"), returns: try r.input("returns"),
                                     entropy: scores.entropy, mask: mask)
        let result = try RLAlgorithms.ppoLoss(batch)
        if backward {
            let g = try ppoLossBackward(batch)
            try model.backward(scores, logProbsGradient: g.logProbs, entropyGradient: g.entropy, valuesGradient: g.values)
        }
        return result
    }

    @Test("PPO loss (Specs/PPOLoss.md, paper preset) and its gradient of every trainable parameter", arguments: folders)
    func ppoLossGradient(_ name: String) throws {
        let r = try Reference(name)
        var model = r.trainableModel
        let result = try Self.ppoLoss(r, model: &model, backward: true)
        let gradients = r.gradients(of: model)
        for reference in Self.references {
            let tol = try r.tolerance(reference)
            Self.expectMatch(try r.expected(reference, "ppo_loss", "loss"), .number(result.loss), tol, "\(reference) loss")
            Self.expectMatch(try r.expected(reference, "ppo_loss", "policy_loss"), .number(result.policyLoss), tol, "\(reference) policy loss")
            Self.expectMatch(try r.expected(reference, "ppo_loss", "value_loss"), .number(result.valueLoss), tol, "\(reference) value loss")
            Self.expectMatch(try r.expected(reference, "ppo_loss", "entropy"), .number(result.entropy), tol, "\(reference) entropy")
            for name in r.trainableNames {
                Self.expectMatch(try r.expected(reference, "ppo_loss_grad", name), JSONValue(gradients[name]!), tol, "\(reference) ∂L/∂\(name)")
            }
        }
    }

    @Test("the same model in Float matches the float64 reference at the documented whole-model tolerance", arguments: folders)
    func float32(_ name: String) throws {
        let r = try Reference(name)
        var model = try ModelFolder.load(r.folder, as: Float.self)
        let names = Set(r.trainableNames)
        model.setTrainable { names.contains($0) }
        var context = ForwardContext.evaluation
        let batch = ModelBatch<Float>(tokens: r.batch.tokens, attentionMask: r.batch.attentionMask, pixels: r.batch.pixels!.converted())
        let rows = batch.rows, steps = batch.length - 1
        let scores = try model.score(batch, mask: Tensor(shape: [rows, steps], repeating: 1), context: &context)
        try model.backward(scores, logProbsGradient: try r.cotangent("log_probs").converted(), entropyGradient: try r.cotangent("entropy").converted(),
                           valuesGradient: try r.cotangent("values").converted())
        let tol = Tolerance(absolute: 1e-4, relative: 1e-3)
        Self.expectMatch(try r.expected("float64", "log_probs"), JSONValue(scores.logProbs), tol, "float32 log_probs")
        Self.expectMatch(try r.expected("float64", "values"), JSONValue(scores.values!), tol, "float32 values")
        for (name, path) in ParameterNames.all(model) where names.contains(name) {
            Self.expectMatch(try r.expected("float64", "functional_grad", name), JSONValue(model[keyPath: path].gradient), tol, "float32 ∂/∂\(name)")
        }
    }

    @Test("a model saved by RLRef and loaded again is the same model, in F32 and F64 files")
    func saveAndLoad() throws {
        let r = try Reference("micro-lora")
        let folder = NSTemporaryDirectory() + "rlref-model-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ModelFolder.save(r.model, to: folder, dtype: .f64)
        let again = try ModelFolder.load(folder, as: Double.self)
        for ((n1, p1), (n2, p2)) in zip(ParameterNames.all(r.model), ParameterNames.all(again)) {
            #expect(n1 == n2)
            #expect(r.model[keyPath: p1].value == again[keyPath: p2].value, "\(n1)")
        }
        #expect(again.configuration == r.model.configuration)
        try ModelFolder.save(r.model, to: folder, dtype: .f32)
        let single = try ModelFolder.load(folder, as: Float.self)
        #expect(single.lmHead.weight.value == r.model.lmHead.weight.value.converted(to: Float.self))
    }
}
