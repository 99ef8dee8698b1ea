import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/PPOLoss.md: every golden case (Double and Float, gradients against the golden gradients
/// and central differences), plus the Spec's properties.
@Suite("PPOLoss")
struct PPOLossTests {
    @Test("golden case", arguments: try Golden.cases("PPOLoss"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: PPOLossEvaluator())
    }
}

extension PPOLossTests {
    /// A random batch: the policy part of PPOPolicyLossTests, values around rollout values, returns,
    /// entropies in [0, 3], a value mask one token longer than the policy mask where room allows (TRL).
    static func randomBatch(seed: UInt64) throws -> PPOLossBatch<Double> {
        let policy = try PPOPolicyLossTests.randomBatch(seed: seed)
        var g = SeededGenerator(seed: seed + 100)
        let shape = policy.logProbs.shape
        var values = Tensor<Double>(shape: shape)
        var old = values, returns = values, entropy = values, valueMask = policy.mask
        for b in 0..<shape[0] {
            for t in 0..<shape[1] {
                old[b, t] = g.nextNormal()
                values[b, t] = old[b, t] + 0.3 * g.nextNormal()
                returns[b, t] = g.nextNormal()
                entropy[b, t] = 3 * g.nextUniform()
                if t > 0 && policy.mask[b, t - 1] == 1 { valueMask[b, t] = 1 }
            }
        }
        return try PPOLossBatch(logProbs: policy.logProbs, oldLogProbs: policy.oldLogProbs, advantages: policy.advantages,
                                values: values, oldValues: old, returns: returns, entropy: entropy,
                                mask: policy.mask, valueMask: valueMask)
    }

    @Test("the total is built from PPOPolicyLoss and ValueLoss: L = L^pg + c_v·L^V − c_e·H̄",
          arguments: Array(PPOLossConfiguration.presets.keys.sorted()))
    func composition(_ preset: String) throws {
        let batch = try Self.randomBatch(seed: 31)
        let config = PPOLossConfiguration.presets[preset]!
        let r = try ppoLoss(batch, configuration: config)
        #expect(r.policyLoss == (try ppoPolicyLoss(batch.policy, configuration: config.policy).loss))
        #expect(r.valueLoss == (try valueLoss(batch.value, configuration: config.value).loss))
        #expect(r.entropy == config.aggregation.aggregate(batch.entropy, mask: batch.policy.mask))
        let expected = r.policyLoss + config.valueCoef * r.valueLoss - config.entropyCoef * r.entropy
        #expect(abs(r.loss - expected) <= 1e-15 * max(1, abs(expected)))
    }

    @Test("zero coefficients: loss = policy loss; value and entropy gradients are 0")
    func zeroCoefficients() throws {
        let batch = try Self.randomBatch(seed: 32)
        let config = PPOLossConfiguration(valueClip: 0.2, valueCoef: 0, entropyCoef: 0)
        let r = try ppoLoss(batch, configuration: config)
        #expect(r.loss == r.policyLoss)
        #expect(r.valueLoss > 0 && r.entropy > 0)
        let g = try ppoLossBackward(batch, configuration: config)
        #expect(g.values.elements.allSatisfy { $0 == 0 } && g.entropy.elements.allSatisfy { $0 == 0 })
    }

    @Test("backward with cotangents on all four outputs equals central differences")
    func backwardMatchesFiniteDifferences() throws {
        let batch = try Self.randomBatch(seed: 33)
        let config = PPOLossConfiguration(surrogate: ClippedSurrogate(dualClip: 3), valueClip: 0.2,
                                          aggregation: .sequenceMeanOfTokenMeans)
        let (gL, gPG, gV, gH) = (0.7, -0.4, 1.3, 0.25)
        func weighted(_ b: PPOLossBatch<Double>) throws -> Double {
            let r = try ppoLoss(b, configuration: config)
            return gL * r.loss + gPG * r.policyLoss + gV * r.valueLoss + gH * r.entropy
        }
        let g = try ppoLossBackward(batch, configuration: config, lossGradient: gL, policyLossGradient: gPG,
                                    valueLossGradient: gV, entropyGradient: gH)
        let numeric: [(Tensor<Double>, Tensor<Double>)] = [
            (g.logProbs, try GradientCheck.centralDifference(of: { x in var b = batch; b.policy.logProbs = x; return try weighted(b) },
                                                             at: batch.policy.logProbs)),
            (g.values, try GradientCheck.centralDifference(of: { x in var b = batch; b.value.values = x; return try weighted(b) },
                                                           at: batch.value.values)),
            (g.entropy, try GradientCheck.centralDifference(of: { x in var b = batch; b.entropy = x; return try weighted(b) },
                                                            at: batch.entropy)),
        ]
        for (analytic, fd) in numeric {
            for i in analytic.elements.indices {
                #expect(abs(analytic.elements[i] - fd.elements[i]) <= 1e-6 + 1e-5 * abs(fd.elements[i]))
            }
        }
    }
}
