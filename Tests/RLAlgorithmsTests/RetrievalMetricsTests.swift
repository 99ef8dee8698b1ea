import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/RetrievalMetrics.md: every golden case (Double and Float), plus the Spec's properties.
@Suite("RetrievalMetrics")
struct RetrievalMetricsTests {
    @Test("golden case", arguments: try Golden.cases("RetrievalMetrics"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: RetrievalMetricsEvaluator())
    }

    /// A random N×N matrix on a coarse grid (so ties occur).
    static func randomSimilarity(seed: UInt64, size n: Int) throws -> Tensor<Double> {
        var g = SeededGenerator(seed: seed)
        return try Tensor(shape: [n, n], elements: (0..<(n * n)).map { _ in Double(g.nextInt(below: 5)) / 4 })
    }

    @Test("optimistic ≤ index ≤ pessimistic rank for every query", arguments: [UInt64(1), 2, 3, 4])
    func tieRulesAreOrdered(_ seed: UInt64) throws {
        let s = try Self.randomSimilarity(seed: seed, size: 7)
        let results = try RetrievalTieRule.allCases.map {
            try retrievalMetrics(similarity: s, configuration: RetrievalConfiguration(ties: $0))
        }
        let (pessimistic, optimistic, index) = (results[0], results[1], results[2])
        for j in 0..<7 {
            #expect(optimistic.textToImage.ranks[j] <= index.textToImage.ranks[j])
            #expect(index.textToImage.ranks[j] <= pessimistic.textToImage.ranks[j])
            #expect(optimistic.imageToText.ranks[j] <= index.imageToText.ranks[j])
            #expect(index.imageToText.ranks[j] <= pessimistic.imageToText.ranks[j])
        }
    }

    @Test("index rule equals the position in a stable descending sort")
    func indexRuleIsStableSort() throws {
        let s = try Self.randomSimilarity(seed: 9, size: 6)
        let m = try retrievalMetrics(similarity: s, configuration: RetrievalConfiguration(ties: .index))
        for j in 0..<6 {
            let order = (0..<6).sorted { a, b in s[a, j] != s[b, j] ? s[a, j] > s[b, j] : a < b }
            #expect(m.textToImage.ranks[j] == order.firstIndex(of: j)! + 1, "text \(j)")
        }
    }

    @Test("Recall@K is non-decreasing in K and reaches 1 at K ≥ N; MRR lies in [1/N, 1]")
    func recallMonotone() throws {
        let s = try Self.randomSimilarity(seed: 5, size: 8)
        let m = try retrievalMetrics(similarity: s, configuration: RetrievalConfiguration(ks: Array(1...9)))
        for direction in [m.textToImage, m.imageToText] {
            for k in 1..<9 { #expect(direction.recallAtK[k - 1] <= direction.recallAtK[k]) }
            #expect(direction.recallAtK[7] == 1 && direction.recallAtK[8] == 1)
            #expect(direction.meanReciprocalRank >= 1.0 / 8 && direction.meanReciprocalRank <= 1)
        }
    }

    @Test("a K below 1 and a pairing outside the images are out_of_range")
    func rangeErrors() throws {
        let s = try Self.randomSimilarity(seed: 6, size: 2)
        #expect(throws: InputError.outOfRange(argument: "ks", value: 0, range: "[1, inf)")) {
            try retrievalMetrics(similarity: s, configuration: RetrievalConfiguration(ks: [0]))
        }
        #expect(throws: InputError.outOfRange(argument: "text_to_image", value: -1, range: "[0, 2)")) {
            try retrievalMetrics(similarity: s, textToImage: [0, -1])
        }
    }
}
