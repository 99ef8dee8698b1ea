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

    static func expectMatch(_ expected: JSONValue, _ actual: JSONValue, _ tolerance: Tolerance, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        let report = compare(expected: expected, actual: actual, tolerance: tolerance, path: what)
        #expect(report.passed && report.comparedElements > 0, "\(what): \(report)", sourceLocation: sourceLocation)
    }

    static let references = ["float64", "transformers"]

    @Test("logits, log-probs, entropies and values", arguments: folders)
    func forward(_ name: String) throws {
        let r = try TransformersReference(name)
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
        let r = try TransformersReference(name)
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
    static func ppoLoss(_ r: TransformersReference, model: inout VisionLanguageModel<Double>, backward: Bool) throws -> PPOLossResult<Double> {
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
        let r = try TransformersReference(name)
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
        let r = try TransformersReference(name)
        var model = try ModelFolder.load(r.folder, as: Float.self, baseFolder: r.baseFolder)
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
        let r = try TransformersReference("micro-lora")
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
