import RLAlgorithms
import Tensor

/// The cosine similarity (Specs/SimilarityReward.md SimilarityReward-1) of two texts' word-count
/// vectors: each text normalised into words (Specs/TextNormalization.md), counted over the union of
/// both texts' words. 1 when both texts have the same words in the same proportions ("red" and "Red."),
/// 0 when they share no word or one has none ("2" and "yes"); "red square" and "red" give 1/√2.
/// An embedding with no parameters that cannot confuse two different one-word answers — unlike a
/// small learned text encoder, whose embeddings of short answers can sit close together (README, "Results").
public func wordCountSimilarity(_ text: String, _ other: String) throws -> Double {
    let a = NormalizedText(normalizing: text).words, b = NormalizedText(normalizing: other).words
    var index: [NormalizedText.Word: Int] = [:]
    for word in a + b where index[word] == nil { index[word] = index.count }
    guard !index.isEmpty else { return 0 }
    var countsA = Tensor<Double>(shape: [1, index.count]), countsB = Tensor<Double>(shape: [1, index.count])
    for word in a { countsA[0, index[word]!] += 1 }
    for word in b { countsB[0, index[word]!] += 1 }
    return try cosineSimilarity(countsA, countsB)[0]
}
