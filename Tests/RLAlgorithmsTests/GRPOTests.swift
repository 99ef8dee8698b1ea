import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/GRPO.md: every golden case (Double and Float, gradients against the golden gradients and
/// central differences), the seed's literal loss against the corrected objective, and the Spec's
/// properties.
@Suite("GRPO")
struct GRPOTests {
    @Test("golden case", arguments: try Golden.cases("GRPO"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: GRPOEvaluator())
    }
}

extension GRPOTests {
    /// Random rewards in [0, 1] for `groups` groups of `size`, sample log-probs [N,T] with right
    /// padding, prompt log-probs [1,S].
    struct RandomSamples {
        var scores: Tensor<Double>
        var logProbs: Tensor<Double>
        var mask: Tensor<Double>
        var mleLogProbs: Tensor<Double>
    }

    static func randomSamples(seed: UInt64, groups: Int = 2, size: Int = 4, columns: Int = 6) -> RandomSamples {
        var g = SeededGenerator(seed: seed)
        let n = groups * size
        var scores = Tensor<Double>(shape: [n])
        var logProbs = Tensor<Double>(shape: [n, columns]), mask = logProbs
        var mle = Tensor<Double>(shape: [1, 9])
        for i in 0..<n {
            scores[i] = g.nextUniform()
            let length = 1 + g.nextInt(below: columns)
            for t in 0..<columns {
                logProbs[i, t] = Double.log(0.05 + 0.9 * g.nextUniform())
                mask[i, t] = t < length ? 1 : 0
            }
        }
        for s in 0..<9 { mle[0, s] = Double.log(0.05 + 0.9 * g.nextUniform()) }
        return RandomSamples(scores: scores, logProbs: logProbs, mask: mask, mleLogProbs: mle)
    }

    static let normalizations: [GroupNormalization] = [
        GroupNormalization(), GRPOPreset.trl.normalization, GRPOPreset.verl.normalization,
        GroupNormalization(variance: .unbiased, epsilon: 1e-4, epsilonPlacement: .varianceFloor),
        GroupNormalization(scale: .none), GroupNormalization(epsilon: 0, scale: .batch),
    ]

    @Test("GRPO-3 (seed literal) trains nothing: loss 0 up to rounding, sample gradient exactly 0; GRPO-4 does",
          arguments: 1...8)
    func seedLiteralLossIsZero(seed: Int) throws {
        let s = Self.randomSamples(seed: UInt64(seed))
        for normalization in Self.normalizations {
            let grouping = SampleGrouping.consecutive(size: 4)
            let literal = try seedLiteralGRPOLoss(scores: s.scores, grouping: grouping, normalization: normalization,
                                                  mleLogProbs: s.mleLogProbs, sampleLogProbs: s.logProbs)
            #expect(literal.mleLoss > 0.1)
            #expect(abs(literal.loss) <= 1e-15, "seed-literal loss \(literal.loss) is not 0 up to rounding")
            let g = try seedLiteralGRPOLossBackward(scores: s.scores, grouping: grouping, normalization: normalization,
                                                    mleLogProbs: s.mleLogProbs, sampleLogProbs: s.logProbs)
            #expect(try #require(g.sampleLogProbs).elements.allSatisfy { $0 == 0 })
            #expect(g.mleLogProbs.elements.allSatisfy { abs($0) <= 1e-16 })
            // The loss does not move at all when the sampled answers' log-probs move.
            let numeric = try GradientCheck.centralDifference(of: { x in
                try seedLiteralGRPOLoss(scores: s.scores, grouping: grouping, normalization: normalization,
                                        mleLogProbs: s.mleLogProbs, sampleLogProbs: x).loss
            }, at: s.logProbs)
            #expect(numeric.elements.allSatisfy { $0 == 0 })

            // GRPO-4 on the same samples: a real policy gradient −Â_i·m/(N·n_i), confirmed by central differences.
            let corrected = try correctedGRPOLossBackward(scores: s.scores, grouping: grouping, normalization: normalization,
                                                          logProbs: s.logProbs, mask: s.mask)
            let advantages = try groupNormalizedAdvantages(s.scores, grouping: grouping, normalization: normalization)
            #expect(corrected.elements.map(abs).max()! >= 1e-2)
            let fd = try GradientCheck.centralDifference(of: { x in
                try correctedGRPOLoss(scores: s.scores, grouping: grouping, normalization: normalization, logProbs: x,
                                      mask: s.mask).loss
            }, at: s.logProbs)
            for i in 0..<8 {
                var length = 0.0
                for t in 0..<6 { length += s.mask[i, t] }
                for t in 0..<6 {
                    let expected = -advantages[i] * s.mask[i, t] / (8 * length)
                    #expect(abs(corrected[i, t] - expected) <= 1e-16 + 1e-14 * abs(expected))
                    #expect(abs(corrected[i, t] - fd[i, t]) <= 1e-6 + 1e-5 * abs(fd[i, t]))
                }
            }
        }
    }

    @Test("GRPO-4's gradient is GRPO-2's on-policy with β = 0 and seq_mean_token_mean")
    func correctedMatchesOnPolicyClipped() throws {
        let s = Self.randomSamples(seed: 41)
        let normalization = GRPOPreset.trl.normalization
        let advantages = try groupNormalizedAdvantages(s.scores, grouping: .consecutive(size: 4), normalization: normalization)
        let corrected = try correctedGRPOLossBackward(scores: s.scores, grouping: .consecutive(size: 4),
                                                      normalization: normalization, logProbs: s.logProbs, mask: s.mask)
        let batch = try GRPOTokenBatch(logProbs: s.logProbs, advantages: advantages, mask: s.mask)
        let clipped = try grpoClippedLossBackward(batch)
        for i in clipped.elements.indices {
            #expect(abs(clipped.elements[i] - corrected.elements[i]) <= 1e-16 + 1e-14 * abs(corrected.elements[i]))
        }
        // ... while the on-policy clipped value is −mean(Â) = 0.
        #expect(abs(try grpoClippedLoss(batch).loss) <= 1e-15)
    }

    @Test("GRPO-1: each group's advantages sum to 0, have unit population variance with ε = 0, and are invariant to r → a·r + b")
    func advantagesAreStandardized() throws {
        let s = Self.randomSamples(seed: 42, groups: 3, size: 5)
        let exact = GroupNormalization(epsilon: 0)
        let a = try groupNormalizedAdvantages(s.scores, grouping: .consecutive(size: 5), normalization: exact)
        let shifted = try groupNormalizedAdvantages(s.scores.map { 3 * $0 - 7 }, grouping: .consecutive(size: 5), normalization: exact)
        for g in 0..<3 {
            let members = (5 * g)..<(5 * g + 5)
            let sum = members.reduce(0) { $0 + a[$1] }
            let squares = members.reduce(0) { $0 + a[$1] * a[$1] }
            #expect(abs(sum) <= 1e-14)
            #expect(abs(squares / 5 - 1) <= 1e-14)
            for i in members { #expect(abs(shifted[i] - a[i]) <= 1e-13) }
        }
    }

    @Test("GRPO-1: a constant group is exactly 0 (four 0.1s, whose float mean is not 0.1) under every convention")
    func constantGroupIsExactlyZero() throws {
        let scores = Tensor<Double>([0.1, 0.1, 0.1, 0.1, 0.3, 0.9])
        for normalization in Self.normalizations {
            let a = try groupNormalizedAdvantages(scores, grouping: .labels([1, 1, 1, 1, 2, 2]), normalization: normalization)
            #expect(a.elements[0..<4].allSatisfy { $0 == 0 })
            #expect(a[4] < 0 && a[5] > 0)
        }
    }

    @Test("GRPO-2: A = 0 gives a policy term of exactly 0 even when the ratio overflows; the KL term remains")
    func zeroAdvantageWithOverflow() throws {
        let logProbs = try Tensor<Double>(shape: [1, 2], elements: [-0.5, -0.7])
        let batch = try GRPOTokenBatch(logProbs: logProbs, oldLogProbs: Tensor(shape: [1, 2], elements: [-900, -1]),
                                       advantages: Tensor([0]), refLogProbs: Tensor(shape: [1, 2], elements: [-0.6, -0.6]))
        #expect(try grpoClippedLoss(batch).loss == 0)
        #expect(try grpoClippedLossBackward(batch).elements == [0, 0])
        let withKL = GRPOLossConfiguration(klCoef: 0.1, aggregation: .tokenMean)
        let r = try grpoClippedLoss(batch, configuration: withKL)
        let k3 = { (logr: Double) in Double.expm1(logr) - logr }
        #expect(abs(r.loss - 0.1 * (k3(-0.1) + k3(0.1)) / 2) <= 1e-16)
        #expect(try grpoClippedLossBackward(batch, configuration: withKL).elements.allSatisfy { $0.isFinite && $0 != 0 })
    }

    @Test("GRPO-5: on-policy the bias-corrected KL has plain k3's value; its gradient gains β·w·k3 per token")
    func biasCorrectedKLOnPolicy() throws {
        let logProbs = try Tensor<Double>(shape: [2, 3], elements: [-0.5, -1.2, -0.3, -2.0, -0.9, -0.4])
        let ref = try Tensor<Double>(shape: [2, 3], elements: [-0.7, -1.0, -0.3, -1.5, -1.4, -0.6])
        let mask = try Tensor<Double>(shape: [2, 3], elements: [1, 1, 0, 1, 1, 1])
        let batch = try GRPOTokenBatch(logProbs: logProbs, advantages: Tensor([0.4, -0.2]), refLogProbs: ref, mask: mask)
        let plain = GRPOLossConfiguration(klCoef: 0.05, aggregation: .tokenMean)
        var corrected = plain
        corrected.klBiasCorrection = true
        #expect(abs(try grpoClippedLoss(batch, configuration: corrected).loss - grpoClippedLoss(batch, configuration: plain).loss) <= 1e-16)
        let difference = try grpoClippedLossBackward(batch, configuration: corrected) - grpoClippedLossBackward(batch, configuration: plain)
        for i in difference.elements.indices {
            let logr = ref.elements[i] - logProbs.elements[i]
            let expected = mask.elements[i] * 0.05 * (Double.expm1(logr) - logr) / 5
            #expect(abs(difference.elements[i] - expected) <= 1e-15)
        }
    }

    @Test("GRPO-2 without reference log-probs but β > 0 is a missing input")
    func klNeedsReference() throws {
        let batch = try GRPOTokenBatch(logProbs: Tensor(shape: [1, 1], elements: [-1]), advantages: Tensor([1]))
        #expect(throws: InputError.missingInput(argument: "ref_log_probs")) {
            try grpoClippedLoss(batch, configuration: GRPOLossConfiguration(klCoef: 0.1))
        }
    }
}
