import Models
import RLAlgorithms
import Tensor
import TestSupport
import Testing
import Training
import Verification

/// The parameter-group optimiser against `torch.optim.AdamW` (two groups, global-norm clipping 0.5)
/// over 10 steps of the PPO loss (Specs/PPOLoss.md) on the transformers reference models.
@Suite("Parameter-group optimiser")
struct ParameterGroupOptimizerTests {
    @Test("10 AdamW steps: losses, gradient norms before clipping and final parameters match torch.optim.AdamW",
          arguments: ["micro-lora", "micro-full"])
    func tenAdamWSteps(_ name: String) throws {
        let r = try TransformersReference(name)
        var model = r.model
        let trainable = Set(r.trainableNames).subtracting(r.parametersWithoutGradient)
        model.setTrainable { trainable.contains($0) }
        var optimizer = ParameterGroupOptimizer<Double>(
            adam: AdamConfiguration(algorithm: .adamw, beta1: 0.9, beta2: 0.999, epsilon: 1e-8),
            groups: [ParameterGroup(name: "value_head", learningRate: 1e-2, weightDecay: 0) { $0.hasPrefix("value_head.") },
                     ParameterGroup(name: "policy", learningRate: 5e-3, weightDecay: 0.01) { _ in true }],
            maxGradientNorm: 0.5)
        let mask = try r.input("response_mask")
        var losses: [Double] = [], norms: [Double] = []
        for _ in 0..<10 {
            model.zeroGradients()
            var context = ForwardContext.evaluation
            let scores = try model.score(r.batch, mask: mask, context: &context)
            let batch = try PPOLossBatch(logProbs: scores.logProbs, oldLogProbs: try r.input("old_log_probs"),
                                         advantages: try r.input("advantages"), values: scores.values!,
                                         oldValues: try r.input("old_values"), returns: try r.input("returns"),
                                         entropy: scores.entropy, mask: mask)
            losses.append(try ppoLoss(batch).loss)
            let g = try ppoLossBackward(batch)
            try model.backward(scores, logProbsGradient: g.logProbs, entropyGradient: g.entropy, valuesGradient: g.values)
            norms.append(try optimizer.step(&model))
        }
        let tight = Tolerance(absolute: 1e-10, relative: 1e-9)
        let losses64 = compare(expected: try r.expected("float64", "adamw", "losses"), actual: JSONValue(Tensor(losses)), tolerance: tight, path: "losses")
        #expect(losses64.passed, "\(losses64)")
        let norms64 = compare(expected: try r.expected("float64", "adamw", "grad_norms_before_clip"), actual: JSONValue(Tensor(norms)),
                              tolerance: tight, path: "norms")
        #expect(norms64.passed, "\(norms64)")
        for (paramName, path) in ParameterNames.all(model) where trainable.contains(paramName) {
            let report = compare(expected: try r.expected("float64", "adamw", "final_parameters", paramName),
                                 actual: JSONValue(model[keyPath: path].value), tolerance: Tolerance(absolute: 1e-9, relative: 1e-8),
                                 path: paramName)
            #expect(report.passed && report.comparedElements > 0, "\(paramName): \(report)")
        }
    }
}
