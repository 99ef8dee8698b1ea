import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/VLRMA2C.md: every golden case (values in Double and Float, analytic gradients against the
/// golden gradients and, where M does not move with the values, against central differences), plus
/// the Spec's properties.
@Suite("VLRMA2C")
struct VLRMA2CTests {
    @Test("golden case", arguments: try Golden.cases("VLRMA2C"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: VLRMA2CEvaluator())
    }
}

extension VLRMA2CTests {
    /// A random [3, 5, 4] batch with right padding.
    static func randomBatch(seed: UInt64) throws -> VLRMA2CBatch<Double> {
        var g = SeededGenerator(seed: seed)
        let (rows, columns, vocabulary) = (3, 5, 4)
        let logits = try Tensor<Double>(shape: [rows, columns, vocabulary],
                                        elements: (0..<(rows * columns * vocabulary)).map { _ in 1.5 * g.nextNormal() })
        let tokens = try TokenIDs(shape: [rows, columns], ids: (0..<(rows * columns)).map { _ in g.nextInt(below: vocabulary) })
        var values = Tensor<Double>(shape: [rows, columns]), returns = values, mask = values
        for b in 0..<rows {
            let length = 2 + g.nextInt(below: columns - 1)
            for t in 0..<columns {
                values[b, t] = g.nextNormal()
                returns[b, t] = 2 * g.nextNormal()
                mask[b, t] = t < length ? 1 : 0
            }
        }
        return try VLRMA2CBatch(policy: .logits(logits, tokens: tokens), values: values, returns: returns, mask: mask)
    }

    @Test("M has mean 0 and unbiased std 1 over the real tokens (ε = 0), and is 0 on padding")
    func normalizedMoments() throws {
        let batch = try Self.randomBatch(seed: 1)
        let m = try vlrmA2CLosses(batch).normalizedAdvantages
        let real = m.elements.indices.filter { batch.mask.elements[$0] != 0 }
        let mean = real.reduce(0.0) { $0 + m.elements[$1] } / Double(real.count)
        let variance = real.reduce(0.0) { $0 + (m.elements[$1] - mean) * (m.elements[$1] - mean) } / Double(real.count - 1)
        #expect(abs(mean) <= 1e-14 && abs(variance - 1) <= 1e-13)
        for i in m.elements.indices where batch.mask.elements[i] == 0 { #expect(m.elements[i] == 0) }
    }

    @Test("zero spread: equal real advantages give M = 0 exactly for every ε placement", arguments: EpsilonPlacement.allCases)
    func zeroSpread(_ placement: EpsilonPlacement) throws {
        let advantages = Tensor<Float>([0.3, 0.3, 7, 0.3]).reshaped([2, 2])
        let mask = Tensor<Float>([1, 1, 0, 1]).reshaped([2, 2])
        for epsilon in [0.0, 1e-8] {
            let c = VLRMA2CConfiguration(stdEpsilon: epsilon, epsilonPlacement: placement)
            #expect(try vlrmNormalizedAdvantages(advantages, mask: mask, configuration: c).elements == [0, 0, 0, 0])
        }
    }

    @Test("stop-gradient: the policy loss sends nothing to the values, the value loss nothing to the logits")
    func stopGradient() throws {
        let batch = try Self.randomBatch(seed: 2)
        let policyOnly = try vlrmA2CLossesBackward(batch, policyLossGradient: 1)
        let valueOnly = try vlrmA2CLossesBackward(batch, valueLossGradient: 1)
        #expect(policyOnly.values.elements.allSatisfy { $0 == 0 })
        #expect(valueOnly.policy.elements.allSatisfy { $0 == 0 })
        #expect(policyOnly.policy.elements.contains { $0 != 0 })
    }

    @Test("the logits form equals the log_probs form chained through the log-softmax backward",
          arguments: VLRMPolicyTerm.allCases)
    func logitsFormMatchesLogProbsForm(_ term: VLRMPolicyTerm) throws {
        let batch = try Self.randomBatch(seed: 3)
        guard case .logits(let logits, let tokens) = batch.policy else { Issue.record("randomBatch builds the logits form"); return }
        let logProbs = try tokenLogProbs(logits: logits, tokens: tokens).logProbs
        let byLogProbs = try VLRMA2CBatch(policy: .logProbs(logProbs), values: batch.values, returns: batch.returns, mask: batch.mask)
        let c = VLRMA2CConfiguration(policyTerm: term, aggregation: .sequenceMeanOfTokenMeans)
        let (a, b) = (try vlrmA2CLosses(batch, configuration: c), try vlrmA2CLosses(byLogProbs, configuration: c))
        #expect(abs(a.policyLoss - b.policyLoss) <= 1e-15 && a.valueLoss == b.valueLoss)
        let gLogits = try vlrmA2CLossesBackward(batch, configuration: c, policyLossGradient: 0.7).policy
        let gLogProbs = try vlrmA2CLossesBackward(byLogProbs, configuration: c, policyLossGradient: 0.7).policy
        let chained = try tokenLogProbsBackward(logits: logits, tokens: tokens, mask: batch.mask, logProbsGradient: gLogProbs)
        for i in chained.elements.indices { #expect(abs(gLogits.elements[i] - chained.elements[i]) <= 1e-16) }
    }
}
