import Foundation
import Models
import RLAlgorithms
import Tensor
import Testing
import Training

/// Specs/CLIP.md CLIP-6 as a training objective: the loss and gradients of `contrastiveLossAndGradients`
/// drive `ParameterGroupOptimizer` (AdamW) like the LLaVA-layout model's losses do.
@Suite("CLIP training")
struct CLIPTrainingTests {
    /// Four pairs on the micro configuration: distinct captions (each ending in eos 3, right-padded
    /// with 0) and random images, from fixed seeds.
    static func batch(_ generator: inout SeededGenerator) throws -> CLIPBatch<Float> {
        let tokens = [[1, 5, 9, 3, 0, 0], [1, 7, 3, 0, 0, 0], [1, 4, 11, 16, 8, 3], [1, 12, 12, 6, 3, 0]]
        let c = CLIPConfiguration.micro.vision
        let pixels = try Tensor<Float>(shape: [4, c.channels, c.imageSize, c.imageSize],
                                       elements: (0..<(4 * c.channels * c.imageSize * c.imageSize)).map { _ in Float(generator.nextNormal()) })
        return CLIPBatch(tokens: tokens, attentionMask: tokens.map { $0.map { $0 != 0 } }, pixels: pixels)
    }

    @Test("30 AdamW steps on four pairs lower the contrastive loss below half its start (micro configuration, Float)",
          arguments: [nil, 2.0])
    func adamWLowersLoss(maxLogitScale: Double?) throws {
        var generator = SeededGenerator(seed: 11)
        var model = try CLIPModel<Float>(configuration: .micro, using: &generator)
        model.setTrainable { _ in true }
        let batch = try Self.batch(&generator)
        var optimizer = ParameterGroupOptimizer<Float>(
            adam: AdamConfiguration(algorithm: .adamw, beta1: 0.9, beta2: 0.98, epsilon: 1e-6),
            groups: [ParameterGroup(name: "clip", learningRate: 1e-2, weightDecay: 0.1) { _ in true }],
            maxGradientNorm: 1)
        var losses: [Float] = []
        for _ in 0..<30 {
            model.zeroGradients()
            var context = ForwardContext.evaluation
            losses.append(try model.contrastiveLossAndGradients(batch, maxLogitScale: maxLogitScale, context: &context))
            try optimizer.step(&model)
        }
        #expect(losses[0] > Float(log(4.0)) / 2, "initial loss \(losses[0])")
        #expect(losses.last! < losses[0] / 2, "losses \(losses)")
        #expect(losses.allSatisfy { $0.isFinite })
        if let bound = maxLogitScale {
            // logit_scale starts at 2.6592 above the bound: the clamped forward pass gives it no gradient
            #expect(Double(model.logitScale.value.elements[0]) > bound && model.logitScale.gradient.elements[0] == 0)
        }
    }
}
