import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/ValueLoss.md: every golden case (Double and Float, gradients against the golden gradients
/// and central differences), plus the Spec's properties.
@Suite("ValueLoss")
struct ValueLossTests {
    @Test("golden case", arguments: try Golden.cases("ValueLoss"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: ValueLossEvaluator())
    }
}

extension ValueLossTests {
    /// Random values, rollout values and returns with right padding (lengths 1...T).
    static func randomBatch(seed: UInt64, rows: Int = 3, columns: Int = 5) throws -> ValueTokenBatch<Double> {
        var g = SeededGenerator(seed: seed)
        var values = Tensor<Double>(shape: [rows, columns])
        var old = values, returns = values, mask = values
        for b in 0..<rows {
            let length = 1 + g.nextInt(below: columns)
            for t in 0..<columns {
                old[b, t] = g.nextNormal()
                values[b, t] = old[b, t] + 0.5 * g.nextNormal()
                returns[b, t] = g.nextNormal()
                mask[b, t] = t < length ? 1 : 0
            }
        }
        return try ValueTokenBatch(values: values, oldValues: old, returns: returns, mask: mask)
    }

    @Test("clipping never lowers the loss; a clip wider than every |V − V_old| changes nothing")
    func clippedIsAnUpperBound() throws {
        let batch = try Self.randomBatch(seed: 21)
        for mode: LossAggregation in [.tokenMean, .sequenceMeanOfTokenMeans, .sequenceMeanOfTokenSums, .constantNormalizer(5)] {
            let plain = try valueLoss(batch, configuration: ValueLossConfiguration(aggregation: mode))
            let clipped = try valueLoss(batch, configuration: ValueLossConfiguration(valueClip: 0.2, aggregation: mode))
            let wide = ValueLossConfiguration(valueClip: 100, aggregation: mode)
            #expect(clipped.loss >= plain.loss)
            #expect(clipped.clipFraction > 0)
            #expect(try valueLoss(batch, configuration: wide).loss == plain.loss)
            #expect(try valueLossBackward(batch, configuration: wide)
                    == valueLossBackward(batch, configuration: ValueLossConfiguration(aggregation: mode)))
        }
    }

    @Test("unclipped token_mean: loss = ⟨½(V − R)²⟩, gradient (V − R)·m/N")
    func unclippedClosedForm() throws {
        let batch = try Self.randomBatch(seed: 22)
        let n = batch.mask.sum()
        var expectedLoss = 0.0
        for i in batch.mask.elements.indices where batch.mask.elements[i] == 1 {
            let d = batch.values.elements[i] - batch.returns.elements[i]
            expectedLoss += d * d / 2 / n
        }
        #expect(abs(try valueLoss(batch).loss - expectedLoss) <= 1e-14)
        let g = try valueLossBackward(batch)
        for i in g.elements.indices {
            let e = batch.mask.elements[i] * (batch.values.elements[i] - batch.returns.elements[i]) / n
            #expect(abs(g.elements[i] - e) <= 1e-15)
        }
    }

    @Test("value_clip = 0: e = ½max((V − R)², (V_old − R)²), gradient V − R only where |V − R| ≥ |V_old − R|")
    func zeroClip() throws {
        let batch = try Self.randomBatch(seed: 23)
        let config = ValueLossConfiguration(valueClip: 0, aggregation: .sequenceMeanOfTokenSums)
        let g = try valueLossBackward(batch, configuration: config)
        var expected = 0.0
        for i in batch.mask.elements.indices where batch.mask.elements[i] == 1 {
            let (v, old, r) = (batch.values.elements[i], batch.oldValues!.elements[i], batch.returns.elements[i])
            expected += max((v - r) * (v - r), (old - r) * (old - r)) / 2 / 3
            let slope = abs(v - r) >= abs(old - r) ? (v - r) / 3 : 0
            #expect(abs(g.elements[i] - slope) <= 1e-15 && (slope == 0) == (g.elements[i] == 0))
        }
        #expect(abs(try valueLoss(batch, configuration: config).loss - expected) <= 1e-14)
    }

    @Test("clipping without rollout values is a missing input")
    func clipNeedsOldValues() throws {
        let batch = try ValueTokenBatch<Double>(values: Tensor(shape: [1, 2], elements: [1, 2]),
                                                returns: Tensor(shape: [1, 2], elements: [0, 0]))
        #expect(throws: InputError.missingInput(argument: "old_values")) {
            try valueLoss(batch, configuration: .verl)
        }
    }
}

extension ValueLossTests {
    @Test("per_token_loss aggregates to loss, and its VJP with the aggregation weights is loss's gradient")
    func perTokenLossAggregatesToLoss() throws {
        let batch = try Self.randomBatch(seed: 23)
        for mode: LossAggregation in [.tokenMean, .sequenceMeanOfTokenMeans, .sequenceMeanOfTokenSums, .constantNormalizer(5)] {
            let c = ValueLossConfiguration(valueClip: 0.2, aggregation: mode)
            let e = try valueLossPerToken(batch, configuration: c)
            #expect(abs(mode.aggregate(e, mask: batch.mask) - (try valueLoss(batch, configuration: c).loss)) <= 1e-14)
            let viaPerToken = try valueLossPerTokenBackward(batch, configuration: c, lossesGradient: mode.weights(mask: batch.mask))
            let direct = try valueLossBackward(batch, configuration: c)
            #expect(zip(viaPerToken.elements, direct.elements).allSatisfy { abs($0 - $1) <= 1e-15 })
        }
    }
}
