import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/PPOPolicyLoss.md: every golden case (Double and Float, gradients against the golden
/// gradients and central differences), plus the Spec's properties.
@Suite("PPOPolicyLoss")
struct PPOPolicyLossTests {
    @Test("golden case", arguments: try Golden.cases("PPOPolicyLoss"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: PPOPolicyLossEvaluator())
    }
}

extension PPOPolicyLossTests {
    /// A random right-padded batch: log-ratios ~ N(0, spread²), advantages ~ N(0, 1), lengths 1...T.
    static func randomBatch(seed: UInt64, rows: Int = 4, columns: Int = 6, spread: Double = 0.3,
                            onPolicy: Bool = false) throws -> PolicyTokenBatch<Double> {
        var g = SeededGenerator(seed: seed)
        var logProbs = Tensor<Double>(shape: [rows, columns])
        var old = logProbs, advantages = logProbs, mask = logProbs
        for b in 0..<rows {
            let length = 1 + g.nextInt(below: columns)
            for t in 0..<columns {
                old[b, t] = -0.2 - 2.8 * g.nextUniform()
                logProbs[b, t] = onPolicy ? old[b, t] : old[b, t] + spread * g.nextNormal()
                advantages[b, t] = g.nextNormal()
                mask[b, t] = t < length ? 1 : 0
            }
        }
        return try PolicyTokenBatch(logProbs: logProbs, oldLogProbs: old, advantages: advantages, mask: mask)
    }

    static let modes: [LossAggregation] = [.tokenMean, .sequenceMeanOfTokenMeans, .sequenceMeanOfTokenSums,
                                           .constantNormalizer(8)]

    @Test("on-policy (ρ ≡ 1): nothing is clipped, loss = aggregate(−A), gradient = −A·w", arguments: modes)
    func onPolicyIsThePlainPolicyGradient(_ mode: LossAggregation) throws {
        let batch = try Self.randomBatch(seed: 11, onPolicy: true)
        let config = PPOPolicyLossConfiguration(aggregation: mode)
        let result = try ppoPolicyLoss(batch, configuration: config)
        let expected = mode.aggregate(-batch.advantages, mask: batch.mask)
        #expect(abs(result.loss - expected) <= 1e-15 + 1e-13 * abs(expected))
        #expect(result.diagnostics.clipFractionRatio == 0 && result.diagnostics.clipFractionActive == 0)
        #expect(result.diagnostics.approxKLK1 == 0 && result.diagnostics.approxKLK3 == 0)
        let gradient = try ppoPolicyLossBackward(batch, configuration: config)
        let w = mode.weights(mask: batch.mask)
        for i in gradient.elements.indices {
            let e = -batch.advantages.elements[i] * w.elements[i]
            #expect(abs(gradient.elements[i] - e) <= 1e-15 + 1e-13 * abs(e))
        }
    }

    @Test("per sign of A only one bound binds: A > 0 → −A·min(ρ, hi), A < 0 → |A|·min(max(ρ, lo), c)")
    func oneSidedClip() throws {
        let surrogate = ClippedSurrogate(clipEpsilonLow: 0.2, clipEpsilonHigh: 0.28, dualClip: 3)
        var g = SeededGenerator(seed: 12)
        for _ in 0..<200 {
            let delta = 3 * g.nextNormal()
            let a = g.nextNormal()
            let rho = Double.exp(delta)
            let t = surrogate.token(logProb: delta - 1, oldLogProb: -1.0, advantage: a)
            let expected = a > 0 ? -a * min(rho, 1.28) : -a * min(max(rho, 0.8), 3)
            #expect(abs(t.loss - expected) <= 1e-12 * max(1, abs(expected)), "Δ = \(delta), A = \(a)")
        }
    }

    @Test("empty rows: counted in B by default, excluded with empty_rows exclude; ε_row replaces max(n, 1)")
    func emptyRowDenominators() throws {
        let mask = try Tensor<Double>(shape: [3, 2], elements: [1, 1, 0, 0, 1, 0])
        let loss = try Tensor<Double>(shape: [3, 2], elements: [2, 4, 9, 9, 6, 9])
        #expect(LossAggregation.sequenceMeanOfTokenMeans.aggregate(loss, mask: mask) == 3)
        #expect(LossAggregation(.sequenceMeanOfTokenMeans, emptyRows: .exclude).aggregate(loss, mask: mask) == 4.5)
        #expect(LossAggregation(.sequenceMeanOfTokenSums, emptyRows: .exclude).aggregate(loss, mask: mask) == 6)
        #expect(LossAggregation(.constantNormalizer(2), emptyRows: .exclude).aggregate(loss, mask: mask) == 3)
        let framework = LossAggregation.sequenceMeanOfTokenMeans.withFrameworkDenominators
        #expect(abs(framework.aggregate(loss, mask: mask) - (6 / (2 + 1e-8) + 6 / (1 + 1e-8)) / 2) <= 1e-15)
        #expect(framework.aggregate(loss, mask: Tensor(shape: [3, 2])) == 0)
        #expect(LossAggregation.tokenMean.withFrameworkDenominators.aggregate(loss, mask: mask) == 4)
        #expect(throws: InputError.outOfRange(argument: "row_count_epsilon", value: 0, range: "(0, inf)")) {
            try LossAggregation(.sequenceMeanOfTokenMeans, rowCountEpsilon: 0).validate()
        }
    }

    @Test("verl's keys as written (loss_agg_mode, clip_ratio, clip_ratio_c) give the Spec's keys' results")
    func verlVocabulary() throws {
        func inputs(_ extra: [(String, JSONValue)]) throws -> GoldenInputs {
            let base = #"{"log_probs": [[-1.0, -0.5, -2.0], [-0.3, -0.9, -1.1]], "old_log_probs": [[-1.2, -0.4, -2.5], [-0.3, -1.3, -1.0]], "advantages": [0.7, -1.2], "mask": [[1, 1, 0], [0, 0, 0]]}"#
            guard case .object(var o) = try JSONValue(parsing: base) else { throw InputError.missingInput(argument: "base") }
            for (k, v) in extra { o[k] = v }
            return GoldenInputs(o)
        }
        let e = PPOPolicyLossEvaluator()
        let verl = try inputs([("loss_agg_mode", .string("seq-mean-token-sum-norm")), ("loss_scale_factor", .number(3)),
                               ("clip_ratio", .number(0.1)), ("clip_ratio_c", .number(2.5)), ("empty_rows", .string("exclude"))])
        let spec = try inputs([("aggregation", .string("constant_normalizer")), ("normalizer", .number(3)),
                               ("clip_epsilon", .number(0.1)), ("dual_clip", .number(2.5)), ("empty_rows", .string("exclude"))])
        guard case .numbers(let a)? = try e.evaluate(verl, as: Double.self)["loss"],
              case .numbers(let b)? = try e.evaluate(spec, as: Double.self)["loss"] else { Issue.record("no loss"); return }
        #expect(a.elements == b.elements)
        #expect(throws: InputError.self) {
            _ = try e.evaluate(try inputs([("loss_agg_mode", .string("token-mean")), ("aggregation", .string("token_mean"))]), as: Double.self)
        }
    }

    @Test("masked positions are never read: changing their (finite) values changes nothing")
    func maskedPositionsAreIgnored() throws {
        let batch = try Self.randomBatch(seed: 13, spread: 1)
        var changed = batch
        for i in batch.mask.elements.indices where batch.mask.elements[i] == 0 {
            changed.logProbs.elements[i] = 700
            changed.advantages.elements[i] = -1e6
        }
        #expect(batch.mask.elements.contains(0))
        for mode in Self.modes {
            let config = PPOPolicyLossConfiguration(aggregation: mode)
            #expect(try ppoPolicyLoss(batch, configuration: config).loss == ppoPolicyLoss(changed, configuration: config).loss)
            #expect(try ppoPolicyLossBackward(batch, configuration: config) == ppoPolicyLossBackward(changed, configuration: config))
        }
    }

    @Test("ratio overflow without a clamp is never NaN: A > 0 clipped, A < 0 gives +∞ or the dual-clip cap")
    func ratioOverflow() throws {
        let batch = try PolicyTokenBatch<Double>(logProbs: Tensor(shape: [1, 3], elements: [-0.5, -0.5, -0.5]),
                                                 oldLogProbs: Tensor(shape: [1, 3], elements: [-800, -800, -800]),
                                                 advantages: Tensor(shape: [1, 3], elements: [2, 0, -1]))
        let plain = try ppoPolicyLoss(batch)
        #expect(plain.loss == .infinity)
        #expect(plain.diagnostics.approxKLK3 == .infinity)
        let capped = try ppoPolicyLoss(batch, configuration: PPOPolicyLossConfiguration(surrogate: ClippedSurrogate(dualClip: 3)))
        #expect(abs(capped.loss - (-2 * 1.2 + 0 + 3) / 3) <= 1e-15)
        let gradient = try ppoPolicyLossBackward(batch, configuration: PPOPolicyLossConfiguration(surrogate: ClippedSurrogate(dualClip: 3)))
        #expect(gradient.elements == [0, 0, 0])
    }

    @Test("bad parameters are typed errors naming the argument, in the Spec's order")
    func parameterErrors() throws {
        let batch = try Self.randomBatch(seed: 14)
        func config(_ s: ClippedSurrogate, _ a: LossAggregation = .tokenMean) -> PPOPolicyLossConfiguration {
            PPOPolicyLossConfiguration(surrogate: s, aggregation: a)
        }
        #expect(throws: InputError.outOfRange(argument: "clip_epsilon_low", value: 1, range: "[0, 1)")) {
            try ppoPolicyLoss(batch, configuration: config(ClippedSurrogate(clipEpsilonLow: 1)))
        }
        #expect(throws: InputError.outOfRange(argument: "dual_clip", value: 1, range: "(1, inf)")) {
            try ppoPolicyLoss(batch, configuration: config(ClippedSurrogate(dualClip: 1)))
        }
        // every non-finite parameter is reported before any out-of-range one
        #expect(throws: InputError.nonFinite(argument: "normalizer", index: [])) {
            try ppoPolicyLoss(batch, configuration: config(ClippedSurrogate(clipEpsilon: -1), .constantNormalizer(.nan)))
        }
        #expect(throws: InputError.empty(argument: "log_probs", reason: "has no element (B = 0 or T = 0)")) {
            try PolicyTokenBatch<Double>(logProbs: Tensor(shape: [2, 0]), oldLogProbs: Tensor(shape: [2, 0]),
                                         advantages: Tensor(shape: [2]))
        }
    }
}
