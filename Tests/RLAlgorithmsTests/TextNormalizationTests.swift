import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/TextNormalization.md: every golden case, the same cases compared scalar by scalar (the
/// harness compares strings with `String.==`, which uses canonical equivalence), and the Spec's
/// properties.
@Suite("TextNormalization")
struct TextNormalizationTests {
    @Test("golden case", arguments: try Golden.cases("TextNormalization"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: TextNormalizationEvaluator())
    }

    static func scalars(_ s: String) -> [Unicode.Scalar] { Array(s.unicodeScalars) }

    @Test("golden words and normalized text match scalar by scalar",
          arguments: try Golden.cases("TextNormalization").filter { $0.expectedError == nil && $0.expected["words"] != nil })
    func goldenScalarwise(_ goldenCase: GoldenCase) throws {
        let text = NormalizedText(normalizing: try #require(try goldenCase.inputs.string("text")))
        guard case .string(let normalized)? = goldenCase.expected["normalized"],
              case .array(let words)? = goldenCase.expected["words"] else {
            Issue.record("\(goldenCase.id): expected `normalized` and `words`")
            return
        }
        #expect(text.scalars == Self.scalars(normalized), "\(goldenCase.id): normalized differs in its scalars")
        let expectedWords = words.map { value -> [Unicode.Scalar] in
            if case .string(let s) = value { return Self.scalars(s) }
            return []
        }
        #expect(text.words.map { Array($0.scalars) } == expectedWords, "\(goldenCase.id): words differ in their scalars")
    }

    @Test("precomposed and decomposed accents are different words")
    func noUnicodeNormalization() {
        let decomposed = NormalizedText(normalizing: "cafe\u{301}")
        let precomposed = NormalizedText(normalizing: "caf\u{E9}")
        #expect(decomposed.words.count == 1 && precomposed.words.count == 1)
        #expect(decomposed.words[0] != precomposed.words[0])
        #expect(Set(decomposed.words + precomposed.words).count == 2)
        #expect(decomposed != precomposed)
    }

    @Test("normalisation is idempotent, and words hold no White_Space and are joined by U+0020")
    func idempotentAndJoined() throws {
        var g = SeededGenerator(seed: 11)
        let pieces = ["Green", ".", " ", "don't", "3.5", "\u{2019}", "-", "Café", "cafe\u{301}", "\u{AD}", "猫", "ΟΔΟΣ",
                      "\u{130}", "\t", "x\u{B2}", "1,000", "'", "\u{2003}", "😀", "\u{301}", "v2.0.1", "\u{200D}"]
        for _ in 0..<200 {
            let text = (0..<(1 + g.nextInt(below: 30))).map { _ in pieces[g.nextInt(below: pieces.count)] }.joined()
            let once = NormalizedText(normalizing: text)
            let twice = NormalizedText(normalizing: once.string)
            #expect(once == twice, "not idempotent on \(Array(text.unicodeScalars))")
            #expect(once.words.allSatisfy { !$0.scalars.isEmpty && !$0.scalars.contains { $0.properties.isWhitespace } })
            let joined = Array(once.words.map { Array($0.scalars) }.joined(separator: [" "]))
            #expect(once.scalars == joined)
        }
    }

    @Test("empty, separator-only and emoji-only texts give no words")
    func emptyResults() {
        for text in ["", " \t\n", "?!... ---", "😀👍🏽", "\u{200B}\u{FEFF}"] {
            let n = NormalizedText(normalizing: text)
            #expect(n.words.isEmpty && n.scalars.isEmpty && n.string.isEmpty, "\(Array(text.unicodeScalars))")
        }
    }

    @Test("a 200,000-word text is normalised in linear time", .timeLimit(.minutes(1)))
    func largeInput() {
        let text = String(repeating: "Café, rock’n’roll 3.5 t-shirt\u{3000}", count: 40_000)
        let n = NormalizedText(normalizing: text)
        #expect(n.words.count == 200_000)
        #expect(n.words[1].isScalarwiseEqual(to: "rock'n'roll"))
        #expect(n.words.last!.isScalarwiseEqual(to: "shirt"))
    }
}
