import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/KLPenalty.md: every golden case (values in Double and Float, analytic gradients against the
/// golden gradients and against central differences), plus the Spec's properties and the conclusions
/// of the exact-enumeration experiment (KLPenalty-9) stated with explicit tolerances.
@Suite("KLPenalty")
struct KLPenaltyTests {
    @Test("golden case", arguments: try Golden.cases("KLPenalty"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: KLPenaltyEvaluator())
    }

    /// Random policy / reference log-probabilities (ratios of order `spread`) and a ragged mask.
    static func randomBatch(seed: UInt64, rows: Int = 4, columns: Int = 6, spread: Double = 1) throws -> KLTokenBatch<Double> {
        var g = SeededGenerator(seed: seed)
        var logProbs = Tensor<Double>(shape: [rows, columns]), refLogProbs = logProbs, mask = logProbs
        for b in 0..<rows {
            let length = 1 + g.nextInt(below: columns)
            for t in 0..<columns {
                logProbs[b, t] = -3 * g.nextUniform()
                refLogProbs[b, t] = logProbs[b, t] + spread * g.nextNormal()
                mask[b, t] = t < length ? 1 : 0
            }
        }
        return try KLTokenBatch(logProbs: logProbs, refLogProbs: refLogProbs, mask: mask)
    }

    // MARK: Per-token estimators (KLPenalty-1 … KLPenalty-5)

    @Test("k2 and k3 are ≥ 0 per token, k1 takes both signs; masked entries are 0")
    func signs() throws {
        let batch = try Self.randomBatch(seed: 1, rows: 8, columns: 8)
        let k1 = KLTokenEstimator(.k1).estimates(batch)
        let k2 = KLTokenEstimator(.k2).estimates(batch)
        let k3 = KLTokenEstimator(.k3).estimates(batch)
        #expect(k2.elements.allSatisfy { $0 >= 0 })
        #expect(k3.elements.allSatisfy { $0 >= 0 })
        #expect(k1.elements.contains { $0 < 0 } && k1.elements.contains { $0 > 0 })
        for i in batch.mask.elements.indices where batch.mask.elements[i] == 0 {
            #expect(k1.elements[i] == 0 && k2.elements[i] == 0 && k3.elements[i] == 0)
        }
    }

    @Test("logr = 0: every estimator is 0; derivatives k1 +1, k2 0, k3 0, straight-through 0",
          arguments: KLEstimator.allCases)
    func identicalTokens(_ estimator: KLEstimator) {
        let e = KLTokenEstimator(estimator)
        let expected: Double = estimator == .k1 ? 1 : 0
        for logProb in [-0.1, -2.5, -30.0] {
            #expect(e.value(logProb: logProb, refLogProb: logProb) == 0)
            #expect(e.derivative(logProb: logProb, refLogProb: logProb) == expected)
        }
    }

    @Test("k1_plus / k3_plus: values of k1 / k3 (clamped), derivative of the unclamped k2")
    func straightThrough() throws {
        let batch = try Self.randomBatch(seed: 2, spread: 15)
        for (plus, base) in [(KLEstimator.k1Plus, KLEstimator.k1), (.k3Plus, .k3)] {
            let clamped = KLTokenEstimator(plus, logRatioClamp: 20, klClamp: 10)
            #expect(clamped.estimates(batch) == KLTokenEstimator(base, logRatioClamp: 20, klClamp: 10).estimates(batch))
            let cotangent = batch.mask
            #expect(try clamped.estimatesBackward(batch, klGradient: cotangent)
                    == KLTokenEstimator(.k2).estimatesBackward(batch, klGradient: cotangent))
        }
    }

    @Test("k3 is never NaN for finite inputs and matches exp(logr) − 1 − logr within 1e-15 relative")
    func k3Accuracy() {
        let e = KLTokenEstimator(.k3)
        for logRatio in [-700.0, -100, -1e-3, 1e-8, 0.5, 100, 700] {
            let value = e.value(logProb: -1.0, refLogProb: -1.0 + logRatio)
            let naive = Double.exp(logRatio) - 1 - logRatio
            #expect(!value.isNaN)
            if abs(logRatio) > 1e-2 { #expect(abs(value - naive) <= 1e-15 * abs(naive)) }
        }
    }

    @Test("a clamp that is not > 0 is out of range, naming the argument")
    func clampErrors() {
        #expect(throws: InputError.outOfRange(argument: "log_ratio_clamp", value: 0, range: "(0, inf]")) {
            try KLTokenEstimator(.k3, logRatioClamp: 0).validate()
        }
        #expect(throws: InputError.outOfRange(argument: "kl_clamp", value: -10, range: "(0, inf]")) {
            try KLTokenEstimator(.k1, klClamp: -10).validate()
        }
    }

    // MARK: Reward and loss forms (KLPenalty-6, KLPenalty-7)

    @Test("reward form: each row's rewards sum to score − β·sequence_kl; the score sits on the last valid token")
    func rewardRowSums() throws {
        let batch = try Self.randomBatch(seed: 3)
        let scores = Tensor<Double>([0.7, -0.2, 1.5, 0.1])
        let configuration = KLPenaltyConfiguration.verl
        let r = try klPenalizedRewards(batch, scores: scores, configuration: configuration)
        for b in 0..<batch.rows {
            var sum = 0.0
            for t in 0..<batch.columns { sum += r.rewards[b, t] }
            let expected = scores[b] - configuration.klCoef * r.sequenceKL[b]
            #expect(abs(sum - expected) <= 1e-14, "row \(b): \(sum) vs \(expected)")
            let last = try #require((0..<batch.columns).last { batch.mask[b, $0] == 1 })
            #expect(abs(r.rewards[b, last] - (scores[b] - configuration.klCoef * r.kl[b, last])) <= 1e-15)
        }
    }

    @Test("reward form, trl preset: the score sits one position after the last valid token when the row has room")
    func rewardAfterLastToken() throws {
        let batch = try Self.randomBatch(seed: 3)
        let scores = Tensor<Double>([0.7, -0.2, 1.5, 0.1])
        let configuration = KLPenaltyConfiguration.trl
        #expect(configuration.placement == .afterLastToken)
        let r = try klPenalizedRewards(batch, scores: scores, configuration: configuration)
        var lastToken = configuration
        lastToken.placement = .lastToken
        let reference = try klPenalizedRewards(batch, scores: scores, configuration: lastToken)
        for b in 0..<batch.rows {
            let last = try #require((0..<batch.columns).last { batch.mask[b, $0] == 1 })
            let position = last + 1 < batch.columns ? last + 1 : last
            for t in 0..<batch.columns {
                // the two placements differ only by the score moving from `last` to `position`
                var expected = reference.rewards[b, t]
                if t == last { expected -= scores[b] }
                if t == position { expected += scores[b] }
                #expect(abs(r.rewards[b, t] - expected) <= 1e-15, "row \(b), column \(t)")
            }
            if position != last { #expect(r.kl[b, position] == 0 && r.rewards[b, position] == scores[b]) }
        }
    }

    @Test("loss form: backward equals central differences for every aggregation and estimator",
          arguments: [LossAggregation.tokenMean, .sequenceMeanOfTokenMeans, .sequenceMeanOfTokenSums, .constantNormalizer(6)])
    func lossBackward(_ aggregation: LossAggregation) throws {
        let batch = try Self.randomBatch(seed: 4, spread: 0.5)
        for estimator in [KLEstimator.k1, .k2, .k3] {
            let configuration = KLPenaltyConfiguration(tokenEstimator: KLTokenEstimator(estimator), klCoef: 0.3,
                                                       aggregation: aggregation)
            let analytic = try klPenaltyLossBackward(batch, configuration: configuration)
            let numeric = try GradientCheck.centralDifference(of: { x in
                try klPenaltyLoss(KLTokenBatch(logProbs: x, refLogProbs: batch.refLogProbs, mask: batch.mask),
                                  configuration: configuration).loss
            }, at: batch.logProbs)
            let report = compare(expected: JSONValue(numeric), actual: JSONValue(analytic),
                                 tolerance: GradientCheck.tolerance, path: "\(estimator) d/dlog_probs")
            #expect(report.passed, Comment(rawValue: report.description))
        }
    }

    @Test("β = 0: the loss and its gradient are 0, the rewards are the placed scores only")
    func zeroCoefficient() throws {
        let batch = try Self.randomBatch(seed: 5)
        let configuration = KLPenaltyConfiguration(tokenEstimator: KLTokenEstimator(.k3), klCoef: 0)
        #expect(try klPenaltyLoss(batch, configuration: configuration).loss == 0)
        #expect(try klPenaltyLossBackward(batch, configuration: configuration).elements.allSatisfy { $0 == 0 })
        let scores = Tensor<Double>([1, 2, 3, 4])
        let rewards = try klPenalizedRewards(batch, scores: scores, configuration: configuration).rewards
        #expect(rewards.sum() == scores.sum())
    }

    // MARK: Adaptive controller (KLPenalty-8)

    @Test("controller: the multiplier stays in [1 − clip, 1 + clip] for n_steps ≤ horizon; beyond is an error")
    func controllerBounds() throws {
        let controller = AdaptiveKLController(target: 6, horizon: 10_000)
        var g = SeededGenerator(seed: 6)
        for _ in 0..<200 {
            let current = 20 * g.nextNormal()
            let steps = g.nextInt(below: 10_001)
            let update = try controller.update(klCoef: 0.2, currentKL: current, nSteps: steps)
            #expect(update.klCoef >= 0.2 * 0.8 - 1e-15 && update.klCoef <= 0.2 * 1.2 + 1e-15)
            #expect(abs(update.proportionalError) <= 0.2)
            #expect((update.klCoef > 0.2) == (current > 6 && steps > 0))
        }
        #expect(throws: InputError.self) { try controller.update(klCoef: 0.2, currentKL: 1, nSteps: 10_001) }
    }

    // MARK: Exact enumeration (KLPenalty-9): which estimators' gradients are unbiased

    /// Random logit tables (standard normal times `scale`) for the toy policy with `vocabulary`
    /// tokens (the last is EOS) and sequences of at most `maxLength` tokens.
    struct ToyProblem: Sendable, CustomStringConvertible {
        var seed: UInt64
        var vocabulary: Int
        var maxLength: Int
        var scale = 2.0

        func enumeration() throws -> KLEstimatorEnumeration<Double> {
            var g = SeededGenerator(seed: seed)
            let rows = (0..<maxLength).reduce(0) { total, l in total + (0..<l).reduce(1) { p, _ in p * (vocabulary - 1) } }
            let table = { try Tensor<Double>(shape: [rows, vocabulary], elements: (0..<rows * vocabulary).map { _ in scale * g.nextNormal() }) }
            return try KLEstimatorEnumeration(logits: table(), refLogits: table(), maxLength: maxLength)
        }

        var description: String { "V = \(vocabulary), L = \(maxLength), seed \(seed)" }
    }

    /// Single tokens over vocabularies of 2, 3 and 4.
    static let oneStep = [ToyProblem(seed: 10, vocabulary: 3, maxLength: 1), ToyProblem(seed: 11, vocabulary: 4, maxLength: 1),
                          ToyProblem(seed: 12, vocabulary: 2, maxLength: 1)]
    /// Sequences of up to 2, 3 and 4 tokens.
    static let sequences = [ToyProblem(seed: 20, vocabulary: 3, maxLength: 3), ToyProblem(seed: 21, vocabulary: 4, maxLength: 4),
                            ToyProblem(seed: 22, vocabulary: 2, maxLength: 4), ToyProblem(seed: 23, vocabulary: 3, maxLength: 2)]

    /// max |a − b| over the elements.
    static func maxDifference(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
        zip(a.elements, b.elements).map { abs($0 - $1) }.max() ?? 0
    }

    /// max |∇KL|: the scale against which a biased gradient's error is measured.
    static func gradientScale(_ e: KLEstimatorEnumeration<Double>) -> Double {
        e.klGradient.elements.map(abs).max() ?? 0
    }

    @Test("the number of sequences is Σ_{l<L−1} (V−1)^l + V·(V−1)^(L−1)")
    func sequenceCount() throws {
        for vocabulary in 2...4 {
            for maxLength in 1...4 {
                let a = vocabulary - 1
                let power = { (n: Int) in (0..<n).reduce(1) { p, _ in p * a } }
                let expected = (0..<(maxLength - 1)).reduce(0) { $0 + power($1) } + vocabulary * power(maxLength - 1)
                let problem = ToyProblem(seed: 1, vocabulary: vocabulary, maxLength: maxLength)
                #expect(try problem.enumeration().sequenceCount == expected, "\(problem)")
            }
        }
    }

    @Test("∇KL, ∇forward KL and ∇E[K3] of the enumeration equal central differences")
    func enumerationGradientsMatchFiniteDifferences() throws {
        var g = SeededGenerator(seed: 30)
        let logits = try Tensor<Double>(shape: [7, 3], elements: (0..<21).map { _ in g.nextNormal() })
        let refLogits = try Tensor<Double>(shape: [7, 3], elements: (0..<21).map { _ in g.nextNormal() })
        let e = try KLEstimatorEnumeration(logits: logits, refLogits: refLogits, maxLength: 3)
        let quantities: [(String, (KLEstimatorEnumeration<Double>) -> Double, Tensor<Double>)] = [
            ("kl", { $0.kl }, e.klGradient),
            ("forward_kl", { $0.forwardKL }, e.forwardKLGradient),
            ("k3_expectation", { $0.moments[.k3]!.expectation }, e.moments[.k3]!.totalGradient),
            ("k2_expectation", { $0.moments[.k2]!.expectation }, e.moments[.k2]!.totalGradient),
        ]
        for (name, value, analytic) in quantities {
            let numeric = try GradientCheck.centralDifference(of: { x in
                value(try KLEstimatorEnumeration(logits: x, refLogits: refLogits, maxLength: 3))
            }, at: logits)
            let report = compare(expected: JSONValue(numeric), actual: JSONValue(analytic),
                                 tolerance: GradientCheck.tolerance, path: "d\(name)/dlogits")
            #expect(report.passed, Comment(rawValue: report.description))
        }
    }

    @Test("k1 and k3 (and their straight-through twins) are unbiased for KL at any length; k2 is not")
    func expectations() throws {
        for problem in Self.oneStep + Self.sequences {
            let e = try problem.enumeration()
            #expect(e.kl > 0.05, "\(problem)")
            for estimator in [KLEstimator.k1, .k3, .k1Plus, .k3Plus] {
                #expect(abs(e.moments[estimator]!.expectation - e.kl) <= 1e-12 * (1 + e.kl), "\(estimator), \(problem)")
            }
            // k2 matches KL only to second order in logr: off by more than 5 % of KL here.
            #expect(abs(e.moments[.k2]!.expectation - e.kl) > 0.05 * e.kl, "k2, \(problem)")
        }
    }

    @Test("k1 in the loss has zero expected gradient; k1 in the reward (score function) is exactly ∇KL")
    func k1Gradients() throws {
        for problem in Self.oneStep + Self.sequences {
            let e = try problem.enumeration()
            let k1 = e.moments[.k1]!
            #expect(k1.pathwiseGradient.elements.allSatisfy { abs($0) <= 1e-14 }, "\(problem)")
            #expect(Self.maxDifference(k1.scoreFunctionGradient, e.klGradient) <= 1e-13, "\(problem)")
        }
    }

    @Test("k2 in the loss (and k1_plus, k3_plus) gives ∇KL for max_length 1 but differs by > 0.1 for sequences")
    func k2Gradients() throws {
        for problem in Self.oneStep {
            let e = try problem.enumeration()
            for estimator in [KLEstimator.k2, .k1Plus, .k3Plus] {
                #expect(Self.maxDifference(e.moments[estimator]!.pathwiseGradient, e.klGradient) <= 1e-13, "\(estimator), \(problem)")
            }
            // k2's value is biased, so its total gradient (pathwise + score function) is not ∇KL.
            #expect(Self.maxDifference(e.moments[.k2]!.totalGradient, e.klGradient) > 0.25 * Self.gradientScale(e), "\(problem)")
        }
        for problem in Self.sequences {
            let e = try problem.enumeration()
            let k2 = e.moments[.k2]!
            // Only the t = s terms of ∇KL = E[Σ_s ∇log π(x_s|·)·Σ_{t≥s} (log π − log π_ref)(x_t|·)] are kept.
            #expect(Self.maxDifference(k2.pathwiseGradient, e.klGradient) > 0.1, "\(problem)")
            for estimator in [KLEstimator.k1Plus, .k3Plus] {
                #expect(Self.maxDifference(e.moments[estimator]!.pathwiseGradient, k2.pathwiseGradient) <= 1e-14, "\(estimator), \(problem)")
            }
        }
    }

    @Test("k3: ∇KL only with the score-function term added; in the loss alone it descends the forward KL for one token, neither KL for sequences")
    func k3Gradients() throws {
        for problem in Self.oneStep + Self.sequences {
            let e = try problem.enumeration()
            let k3 = e.moments[.k3]!
            #expect(Self.maxDifference(k3.totalGradient, e.klGradient) <= 1e-13, "\(problem)")
            #expect(Self.maxDifference(k3.pathwiseGradient, e.klGradient) > 0.25 * Self.gradientScale(e), "\(problem)")
        }
        for problem in Self.oneStep {
            let e = try problem.enumeration()
            #expect(Self.maxDifference(e.moments[.k3]!.pathwiseGradient, e.forwardKLGradient) <= 1e-13, "\(problem)")
        }
        for problem in Self.sequences where problem.maxLength >= 3 {
            let e = try problem.enumeration()
            #expect(Self.maxDifference(e.moments[.k3]!.pathwiseGradient, e.forwardKLGradient) > 0.25 * Self.gradientScale(e), "\(problem)")
        }
    }

    @Test("π_θ = π_ref: KL 0 and every gradient 0 (to 1e-15)")
    func identicalPolicies() throws {
        var g = SeededGenerator(seed: 40)
        let logits = try Tensor<Double>(shape: [13, 4], elements: (0..<52).map { _ in g.nextNormal() })
        let e = try KLEstimatorEnumeration(logits: logits, refLogits: logits, maxLength: 3)
        #expect(abs(e.kl) <= 1e-15 && abs(e.forwardKL) <= 1e-15)
        var gradients = [e.klGradient, e.forwardKLGradient]
        for m in e.moments.values { gradients += [m.pathwiseGradient, m.scoreFunctionGradient, m.totalGradient] }
        #expect(gradients.allSatisfy { $0.elements.allSatisfy { abs($0) <= 1e-15 } })
    }

    @Test("enumeration errors: max_length outside 1…4, wrong prefix count, V outside 2…4")
    func enumerationErrors() throws {
        let table = Tensor<Double>(shape: [3, 3])
        #expect(throws: InputError.self) { try KLEstimatorEnumeration(logits: table, refLogits: table, maxLength: 0) }
        #expect(throws: InputError.shapeMismatch(argument: "logits", expected: [7, 3], actual: [3, 3])) {
            try KLEstimatorEnumeration(logits: table, refLogits: table, maxLength: 3)
        }
        let wide = Tensor<Double>(shape: [1, 5])
        #expect(throws: InputError.outOfRange(argument: "logits", value: 5, range: "2...4 columns (V)")) {
            try KLEstimatorEnumeration(logits: wide, refLogits: wide, maxLength: 1)
        }
    }
}
