import Models
import RLAlgorithms
import Tensor
import TestSupport
import Testing
import Training
import Verification

/// Gradient accumulation over micro-batches (seed 003): backward passes before one optimiser step add
/// their gradients, so two micro-batches give the gradient of the whole batch; and the cosine schedule
/// (Optimizers-7) reaches the groups' learning rates.
@Suite("Gradient accumulation")
struct GradientAccumulationTests {
    @Test("two micro-batches accumulate exactly the gradient of the whole batch")
    func microBatches() throws {
        let r = try TransformersReference("micro-lora")
        let rows = r.batch.rows, steps = r.batch.length - 1
        let cotangent = try r.cotangent("log_probs")
        var whole = r.trainableModel
        var context = ForwardContext.evaluation
        let all = try whole.score(r.batch, mask: Tensor(shape: [rows, steps], repeating: 1), context: &context)
        try whole.backward(all, logProbsGradient: cotangent, entropyGradient: nil)

        var parts = r.trainableModel
        for b in 0..<rows {
            let one = ModelBatch(tokens: [r.batch.tokens[b]], attentionMask: [r.batch.attentionMask[b]],
                                 pixels: try Tensor(shape: [1, 3, 8, 8], elements: Array(r.batch.pixels!.elements[(b * 192)..<((b + 1) * 192)])))
            let s = try parts.score(one, mask: Tensor(shape: [1, steps], repeating: 1), context: &context)
            let g = try Tensor(shape: [1, steps], elements: Array(cotangent.elements[(b * steps)..<((b + 1) * steps)]))
            try parts.backward(s, logProbsGradient: g, entropyGradient: nil)
        }
        for ((name, p1), (_, p2)) in zip(ParameterNames.all(whole), ParameterNames.all(parts)) where whole[keyPath: p1].isTrainable {
            let report = compare(expected: JSONValue(whole[keyPath: p1].gradient), actual: JSONValue(parts[keyPath: p2].gradient),
                                 tolerance: Tolerance(absolute: 1e-13, relative: 1e-11), path: name)
            #expect(report.passed, "\(report)")
        }
    }

    @Test("a group's cosine schedule sets the learning rate of each step")
    func cosineGroups() throws {
        let group = ParameterGroup(name: "policy", learningRate: 1e-3, warmupSteps: 3, decay: .cosine(totalSteps: 10), weightDecay: 0) { _ in true }
        let lrs = try (1...5).map { try group.schedule.learningRate(atStep: $0) }
        #expect(lrs[0] == 0 && lrs[3] == 1e-3 && lrs[4] < 1e-3)
    }
}
