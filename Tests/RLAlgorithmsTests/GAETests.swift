import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/GAE.md: every golden case (values in Double and Float, analytic gradients against the
/// golden gradients and against central differences), plus the Spec's properties.
@Suite("GAE")
struct GAETests {
    @Test("golden case", arguments: try Golden.cases("GAE"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: GAEEvaluator())
    }

    /// A random right-padded batch (lengths 1...T) drawn from the portable generator.
    static func randomBatch(seed: UInt64, rows: Int = 4, columns: Int = 7) throws -> GAEBatch<Double> {
        var g = SeededGenerator(seed: seed)
        var rewards = Tensor<Double>(shape: [rows, columns]), values = rewards, mask = rewards
        for b in 0..<rows {
            let length = 1 + g.nextInt(below: columns)
            for t in 0..<columns {
                rewards[b, t] = g.nextNormal()
                values[b, t] = g.nextNormal()
                mask[b, t] = t < length ? 1 : 0
            }
        }
        return try GAEBatch(rewards: rewards, values: values, mask: mask)
    }

    @Test("λ = γ = 1 gives reward-to-go minus V")
    func monteCarlo() throws {
        let batch = try Self.randomBatch(seed: 1)
        let result = try generalizedAdvantageEstimates(batch, configuration: GAEConfiguration(gamma: 1, lambda: 1))
        for b in 0..<4 {
            for t in 0..<7 where batch.mask[b, t] == 1 {
                var toGo = 0.0
                for u in t..<7 where batch.mask[b, u] == 1 { toGo += batch.rewards[b, u] }
                let expected = toGo - batch.values[b, t]
                #expect(abs(result.advantages[b, t] - expected) <= 1e-12 + 1e-12 * abs(expected),
                        "row \(b) step \(t): \(result.advantages[b, t]) vs reward-to-go − V = \(expected)")
            }
        }
    }

    @Test("masked positions have zero advantages and returns", arguments: MaskedStepConvention.allCases)
    func maskedPositionsAreZero(_ convention: MaskedStepConvention) throws {
        var batch = try Self.randomBatch(seed: 2)
        batch.mask[0, 0] = 0   // a hole at the start of a row
        let config = GAEConfiguration(maskedSteps: convention, whiten: true)
        let result = try generalizedAdvantageEstimates(batch, configuration: config)
        let whitened = try #require(result.whitenedAdvantages)
        #expect(batch.mask.elements.contains(0))
        for i in batch.mask.elements.indices where batch.mask.elements[i] == 0 {
            #expect(result.advantages.elements[i] == 0)
            #expect(result.returns.elements[i] == 0)
            #expect(whitened.elements[i] == 0)
        }
    }

    @Test("γ or λ outside [0, 1] is a typed error naming the argument")
    func rangeErrors() throws {
        let batch = try Self.randomBatch(seed: 3)
        #expect(throws: InputError.outOfRange(argument: "gamma", value: 1.5, range: "[0.0, 1.0]")) {
            try generalizedAdvantageEstimates(batch, configuration: GAEConfiguration(gamma: 1.5))
        }
        #expect(throws: InputError.outOfRange(argument: "lambda", value: -0.1, range: "[0.0, 1.0]")) {
            try generalizedAdvantageEstimates(batch, configuration: GAEConfiguration(lambda: -0.1))
        }
    }

    @Test("backward equals central differences on a random batch with a done and a truncation")
    func backwardMatchesFiniteDifferences() throws {
        var batch = try Self.randomBatch(seed: 4)
        batch.terminated[1, 0] = batch.mask[1, 0]
        batch.truncated[2, 0] = batch.mask[2, 0]
        batch.truncationValues[2, 0] = 0.7
        let config = GAEConfiguration(whiten: true, whitening: MaskedStandardization(variance: .population))
        var g = SeededGenerator(seed: 5)
        let cA = try Tensor<Double>(shape: [4, 7], elements: (0..<28).map { _ in g.nextNormal() })
        let cR = try Tensor<Double>(shape: [4, 7], elements: (0..<28).map { _ in g.nextNormal() })
        let cW = try Tensor<Double>(shape: [4, 7], elements: (0..<28).map { _ in g.nextNormal() })
        func loss(_ b: GAEBatch<Double>) throws -> Double {
            let r = try generalizedAdvantageEstimates(b, configuration: config)
            return r.advantages.dot(cA) + r.returns.dot(cR) + (r.whitenedAdvantages?.dot(cW) ?? .nan)
        }
        let analytic = try generalizedAdvantageEstimatesBackward(
            batch, configuration: config, advantagesGradient: cA, returnsGradient: cR, whitenedGradient: cW)
        let dRewards = try GradientCheck.centralDifference(of: { r in var b = batch; b.rewards = r; return try loss(b) }, at: batch.rewards)
        let dValues = try GradientCheck.centralDifference(of: { v in var b = batch; b.values = v; return try loss(b) }, at: batch.values)
        let report = compare(expected: JSONValue(dRewards), actual: JSONValue(analytic.rewards),
                             tolerance: GradientCheck.tolerance, path: "d/drewards")
        let reportV = compare(expected: JSONValue(dValues), actual: JSONValue(analytic.values),
                              tolerance: GradientCheck.tolerance, path: "d/dvalues")
        #expect(report.passed, Comment(rawValue: report.description))
        #expect(reportV.passed, Comment(rawValue: reportV.description))
        #expect(report.comparedElements == 28 && reportV.comparedElements == 28)
    }
}
