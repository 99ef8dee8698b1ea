import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/CoTLogProb.md: every golden case (values in Double and Float, analytic gradients against
/// the golden gradients and against central differences), plus the Spec's properties.
@Suite("CoTLogProb")
struct CoTLogProbTests {
    @Test("golden case", arguments: try Golden.cases("CoTLogProb"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: CoTLogProbEvaluator())
    }
}

extension CoTLogProbTests {
    @Test("bfloat16: exact values stay, halves go to the even neighbour, overflow gives inf, subnormal spacing 2^-133")
    func bfloat16() {
        #expect(bfloat16Rounded(-1.5) == -1.5)
        #expect(bfloat16Rounded(1 + 0x1p-8) == 1)                  // tie between 1 and 1 + 2^-7: even is 1
        #expect(bfloat16Rounded(1 + 3 * 0x1p-8) == 1 + 0x1p-6)     // tie: even neighbour 1 + 2^-6
        #expect(bfloat16Rounded(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)
        #expect(bfloat16Rounded(0x1p128) == .infinity && bfloat16Rounded(-0x1p128) == -.infinity)
        #expect(bfloat16Rounded(3 * 0x1p-134) == 0x1p-132)         // 1.5 subnormal steps: tie to the even step 2
        #expect(bfloat16Rounded(0) == 0)
        #expect(bfloat16Rounded(Double(Float.pi)) == 3.140625)
    }

    static func randomProblem(seed: UInt64) throws -> (Tensor<Double>, CoTSegments<Double>) {
        var g = SeededGenerator(seed: seed)
        let (rows, columns) = (3, 9)
        var logProbs = Tensor<Double>(shape: [rows, columns]), thought = logProbs, action = logProbs
        for b in 0..<rows {
            let split = 1 + g.nextInt(below: columns - 2)
            for t in 0..<columns {
                logProbs[b, t] = -abs(g.nextNormal())
                if t > 0 && t < split { thought[b, t] = 1 } else if t >= split && t < columns - 1 { action[b, t] = 1 }
            }
        }
        return (logProbs, try CoTSegments(thoughtMask: thought, actionMask: action))
    }

    @Test("S = λ·θ + α; λ = 1 is the plain sum, λ = 0 the action alone", arguments: [0.0, 0.3, 1.0])
    func lambdaScaling(_ lambda: Double) throws {
        let (logProbs, segments) = try Self.randomProblem(seed: 1)
        let r = try chainOfThoughtLogProbs(logProbs, segments: segments,
                                           configuration: CoTLogProbConfiguration(thoughtCoefficient: lambda))
        for b in 0..<3 {
            var (thought, action) = (0.0, 0.0)
            for t in 0..<9 {
                thought += segments.thoughtMask[b, t] * logProbs[b, t]
                action += segments.actionMask[b, t] * logProbs[b, t]
            }
            #expect(abs(r.thoughtLogProbs[b] - thought) <= 1e-12 && abs(r.actionLogProbs[b] - action) <= 1e-12)
            #expect(abs(r.sequenceLogProbs[b] - (lambda * thought + action)) <= 1e-12)
        }
    }

    @Test("sequence PPO equals max(−A·r, −A·clip(r)) / B and sends no gradient through clipped rows")
    func sequencePPOMatchesMaxForm() throws {
        var g = SeededGenerator(seed: 2)
        let rows = 8
        let s = try Tensor<Double>(shape: [rows], elements: (0..<rows).map { _ in -2 + 0.3 * g.nextNormal() })
        let old = try Tensor<Double>(shape: [rows], elements: (0..<rows).map { _ in -2 + 0.3 * g.nextNormal() })
        let a = try Tensor<Double>(shape: [rows], elements: (0..<rows).map { _ in g.nextNormal() })
        let loss = try sequenceLevelPPOLoss(sequenceLogProbs: s, oldSequenceLogProbs: old, advantages: a, clipEpsilon: 0.2)
        let gradient = try sequenceLevelPPOLossBackward(sequenceLogProbs: s, oldSequenceLogProbs: old, advantages: a,
                                                        clipEpsilon: 0.2, lossGradient: 1)
        var total = 0.0
        for b in 0..<rows {
            let r = Double.exp(s[b] - old[b])
            let clipped = min(max(r, 0.8), 1.2)
            total += max(-a[b] * r, -a[b] * clipped)
            let expected = -a[b] * r <= -a[b] * clipped && r != clipped ? 0 : -a[b] * r / Double(rows)
            #expect(abs(gradient[b] - expected) <= 1e-15, "row \(b)")
        }
        #expect(abs(loss.loss - total / Double(rows)) <= 1e-14)
    }

    @Test("an overflowing ratio gives −A(1+ε), 0 or +inf, never NaN")
    func ratioOverflow() throws {
        let loss = try sequenceLevelPPOLoss(sequenceLogProbs: Tensor<Float>([0, 0, 0]), oldSequenceLogProbs: Tensor([-200, -200, -200]),
                                            advantages: Tensor([1, 0, -1]))
        #expect(loss.ratios.elements.allSatisfy { $0 == .infinity })
        #expect(loss.loss == .infinity)
        let finite = try sequenceLevelPPOLoss(sequenceLogProbs: Tensor<Float>([0, 0]), oldSequenceLogProbs: Tensor([-200, -200]),
                                              advantages: Tensor([1, 0]))
        #expect(abs(finite.loss - (-1.1 / 2)) <= 1e-6)
    }

    @Test("marker rule: the last marker splits, position 1 is never thought, pads are never scored")
    func markerRule() throws {
        let ids = [1, 7, 8, 29908, 2467, 1115, 9, 29908, 2467, 1115, 5, 2, 0, 0]
        let segments: CoTSegments<Double> = try rl4vlmSegments(TokenIDs(shape: [1, 14], ids: ids))
        #expect(segments.sources == [.marker])
        #expect(segments.thoughtMask.elements == [0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
        #expect(segments.actionMask.elements == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0])
        let short: CoTSegments<Double> = try rl4vlmSegments(TokenIDs(shape: [1, 4], ids: [1, 5, 2, 0]))
        #expect(short.sources == [.constants])
        #expect(try chainOfThoughtLogProbs(Tensor(shape: [1, 4], repeating: -0.5), segments: short).sequenceLogProbs[0] == -2)
    }
}
