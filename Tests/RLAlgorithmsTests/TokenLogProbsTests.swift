import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/TokenLogProbs.md: every golden case (values in Double and Float, analytic gradients against
/// the golden gradients and against central differences), plus the Spec's properties.
@Suite("TokenLogProbs")
struct TokenLogProbsTests {
    @Test("golden case", arguments: try Golden.cases("TokenLogProbs"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: TokenLogProbsEvaluator())
    }
}

extension TokenLogProbsTests {
    /// Random logits [B,T,V] with a few banned (−∞) entries that are never the chosen token.
    static func randomBatch(seed: UInt64, rows: Int = 2, columns: Int = 3, vocabulary: Int = 6)
        throws -> (logits: Tensor<Double>, tokens: TokenIDs) {
        var g = SeededGenerator(seed: seed)
        var logits = Tensor<Double>(shape: [rows, columns, vocabulary])
        var ids: [Int] = []
        for position in 0..<(rows * columns) {
            let y = g.nextInt(below: vocabulary)
            ids.append(y)
            for v in 0..<vocabulary {
                logits.elements[position * vocabulary + v] = v != y && g.nextUniform() < 0.25 ? -.infinity : 2 * g.nextNormal()
            }
        }
        return (logits, try TokenIDs(shape: [rows, columns], ids: ids))
    }

    @Test("every token's probabilities sum to 1, log-probs are ≤ 0 and entropies lie in [0, log V]")
    func distributionProperties() throws {
        let (logits, tokens) = try Self.randomBatch(seed: 1)
        let h = try tokenLogProbs(logits: logits, tokens: tokens, temperature: .shared(0.7)).entropy
        for position in 0..<6 {
            var total = 0.0
            for y in 0..<6 where logits.elements[position * 6 + y] != -.infinity {
                var ids = tokens.ids
                ids[position] = y
                let r = try tokenLogProbs(logits: logits, tokens: TokenIDs(shape: [2, 3], ids: ids), temperature: .shared(0.7))
                #expect(r.logProbs.elements[position] <= 0)
                total += Double.exp(r.logProbs.elements[position])
            }
            #expect(abs(total - 1) <= 1e-14, "position \(position)")
            #expect(h.elements[position] >= 0 && h.elements[position] <= Double.log(6) + 1e-15)
        }
    }

    @Test("adding a constant to a position's logits changes nothing (the shift is exact)")
    func shiftInvariance() throws {
        let (logits, tokens) = try Self.randomBatch(seed: 2)
        let shifted = logits.map { $0 + 1024 }
        let a = try tokenLogProbs(logits: logits, tokens: tokens)
        let b = try tokenLogProbs(logits: shifted, tokens: tokens)
        for i in 0..<6 {
            #expect(abs(a.logProbs.elements[i] - b.logProbs.elements[i]) <= 1e-12)
            #expect(abs(a.entropy.elements[i] - b.entropy.elements[i]) <= 1e-12)
        }
    }

    @Test("backward: sums to 0 over the vocabulary, 0 at banned entries, central differences at finite entries")
    func backwardWithBannedEntries() throws {
        let (logits, tokens) = try Self.randomBatch(seed: 3)
        var g = SeededGenerator(seed: 4)
        let cLogProbs = try Tensor<Double>(shape: [2, 3], elements: (0..<6).map { _ in g.nextNormal() })
        let cEntropy = try Tensor<Double>(shape: [2, 3], elements: (0..<6).map { _ in g.nextNormal() })
        let temperature = SamplingTemperature.perSequence([0.8, 1.3])
        let analytic = try tokenLogProbsBackward(logits: logits, tokens: tokens, temperature: temperature,
                                                 logProbsGradient: cLogProbs, entropyGradient: cEntropy)
        func loss(_ x: Tensor<Double>) throws -> Double {
            let r = try tokenLogProbs(logits: x, tokens: tokens, temperature: temperature)
            return r.logProbs.dot(cLogProbs) + r.entropy.dot(cEntropy)
        }
        for position in 0..<6 {
            let row = (position * 6)..<(position * 6 + 6)
            #expect(abs(row.reduce(0.0) { $0 + analytic.elements[$1] }) <= 1e-14)
            for j in row {
                guard logits.elements[j].isFinite else {
                    #expect(analytic.elements[j] == 0)
                    continue
                }
                let h = GradientCheck.step(at: logits.elements[j])
                var up = logits, down = logits
                up.elements[j] += h
                down.elements[j] -= h
                let numeric = (try loss(up) - loss(down)) / (2 * h)
                #expect(GradientCheck.tolerance.accepts(actual: analytic.elements[j], expected: numeric), "element \(j)")
            }
        }
    }

    @Test("masked positions are skipped: garbage ids and all −inf logits there give 0 and no error")
    func maskedPositionsAreSkipped() throws {
        var (logits, _) = try Self.randomBatch(seed: 5, rows: 1, columns: 2, vocabulary: 3)
        for v in 3..<6 { logits.elements[v] = -.infinity }
        let tokens = try TokenIDs(shape: [1, 2], ids: [0, -100])
        let mask = Tensor<Double>([1, 0]).reshaped([1, 2])
        var ok = logits
        ok.elements[0] = 0.5
        let r = try tokenLogProbs(logits: ok, tokens: tokens, mask: mask)
        #expect(r.logProbs.elements[1] == 0 && r.entropy.elements[1] == 0)
        #expect(throws: InputError.outOfRange(argument: "tokens", value: -100, range: "[0, 3)")) {
            try tokenLogProbs(logits: ok, tokens: tokens)
        }
    }
}

extension TokenLogProbsTests {
    @Test("the entropy form gives tokenLogProbs' entropies exactly, and its gradient is the entropy part of the token form's")
    func entropyFormMatchesTokenForm() throws {
        let (logits, tokens) = try Self.randomBatch(seed: 7, rows: 3, columns: 4)
        let mask = try Tensor<Double>(shape: [3, 4], elements: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
        let both = try tokenLogProbs(logits: logits, tokens: tokens, mask: mask, temperature: .shared(0.8))
        let only = try tokenEntropies(logits: logits, mask: mask, temperature: .shared(0.8))
        #expect(only.entropy == both.entropy)
        #expect(abs(only.mean - both.entropy.sum() / 6) <= 1e-15)
        let weights = LossAggregation.tokenMean.weights(mask: mask)
        #expect(try tokenEntropiesBackward(logits: logits, mask: mask, temperature: .shared(0.8), meanGradient: 1)
                == tokenLogProbsBackward(logits: logits, tokens: tokens, mask: mask, temperature: .shared(0.8),
                                         entropyGradient: weights))
    }
}
