import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/VQAReward.md: every golden case (Double and Float) and the Spec's properties.
@Suite("VQAReward")
struct VQARewardTests {
    @Test("golden case", arguments: try Golden.cases("VQAReward"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: VQARewardEvaluator())
    }

    @Test("components lie in [0, 1] and the total is their weighted sum")
    func componentRanges() throws {
        var g = SeededGenerator(seed: 21)
        let vocabulary = ["red", "car", "the", "Green", "two", "2", "yes", "no", "3.0", "cats", "cat", ",", "."]
        func sentence(_ count: Int) -> String {
            (0..<count).map { _ in vocabulary[g.nextInt(below: vocabulary.count)] }.joined(separator: " ")
        }
        let w = VQARewardWeights.paper
        for _ in 0..<300 {
            let prediction = sentence(g.nextInt(below: 6)), reference = "car " + sentence(g.nextInt(below: 3))
            let r: VQARewardResult<Double> = try vqaReward(VQAAnswerPair(prediction: prediction, reference: reference))
            for c in [r.bleu1, r.exact, r.substring, r.jaccard, r.extractable] { #expect((0...1).contains(c)) }
            let sum = w.bleu1 * r.bleu1 + w.exact * r.exact + w.substring * r.substring + w.jaccard * r.jaccard
                + w.extractable * r.extractable
            #expect(abs(r.total - sum) <= 1e-15, "\(prediction) / \(reference)")
            if r.exact == 1 { #expect(r.bleu1 == 1 && r.substring == 1 && r.jaccard == 1) }
        }
    }

    @Test("an exact match scores the sum of the weights")
    func exactMatch() throws {
        let r: VQARewardResult<Double> = try vqaReward(VQAAnswerPair(prediction: "Green.", reference: "green"))
        #expect(r.total == 1.0 && r.answerType == .text && r.extracted == "green")
    }

    @Test("an empty reference is a typed error; an empty prediction scores 0")
    func emptyTexts() throws {
        #expect(throws: InputError.empty(argument: "reference", reason: "has no words after normalisation")) {
            try VQAAnswerPair(prediction: "green", reference: " ... ")
        }
        let r: VQARewardResult<Float> = try vqaReward(VQAAnswerPair(prediction: "", reference: "green"))
        #expect(r.total == 0 && r.extracted == nil)
    }

    @Test("a 10,000-word caption against a long reference is scored in linear time", .timeLimit(.minutes(1)))
    func largeInput() throws {
        let caption = String(repeating: "a a a a a a a a a b ", count: 1_000) + "a a a a a a a a a c"
        let reference = String(repeating: "a ", count: 4_000) + "c"
        let r: VQARewardResult<Double> = try vqaReward(VQAAnswerPair(prediction: caption, reference: reference),
                                                       configuration: VQARewardConfiguration(substringMode: .words))
        #expect(r.substring == 0 && r.extractable == 0 && r.exact == 0)
        let hit: VQARewardResult<Double> = try vqaReward(VQAAnswerPair(prediction: caption, reference: "a a a a a a a a a c"))
        #expect(hit.substring == 1 && hit.extractable == 1)
    }
}
