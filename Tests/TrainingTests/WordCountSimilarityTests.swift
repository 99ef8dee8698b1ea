import Foundation
import Testing
@testable import Training

/// `wordCountSimilarity` against hand calculations: cosine of word-count vectors after TextNormalization.
@Suite struct WordCountSimilarityTests {
    @Test(arguments: [
        ("red square", "red", 1 / 2.0.squareRoot()),          // (1·1) / (√2 · 1)
        ("Red.", "red", 1.0),                                  // case and punctuation normalised away
        ("2", "yes", 0.0),                                     // no common word
        ("", "red", 0.0),                                      // an empty text has the zero vector
        ("", "", 0.0),                                         // no words at all
        ("a a b", "a b", 3 / 10.0.squareRoot()),               // (2·1 + 1·1) / (√5 · √2)
        ("two red circles", "circles red two", 1.0),           // order does not matter
    ])
    func handCalculations(text: String, other: String, expected: Double) throws {
        let value = try wordCountSimilarity(text, other)
        #expect(abs(value - expected) <= 1e-15 + 1e-15 * abs(expected), "\(text) vs \(other): \(value), expected \(expected)")
        #expect(try wordCountSimilarity(other, text) == value)
    }
}
