import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/VLRMReturns.md: every golden case (values in Double and Float, analytic gradients against
/// the golden gradients and against central differences), plus the Spec's properties.
@Suite("VLRMReturns")
struct VLRMReturnsTests {
    @Test("golden case", arguments: try Golden.cases("VLRMReturns"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: VLRMReturnsEvaluator())
    }

    @Test("the shipped lists load: 212 Table 6 phrases, exempt colours, prepositions and articles")
    func defaultLists() throws {
        #expect(try VLRMWordLists.badPhrases().count == 212)
        let exempt = Set(try VLRMWordLists.repeatExemptWords())
        for word in ["green", "grey", "in", "of", "a", "an", "the"] { #expect(exempt.contains(word), "\(word)") }
        #expect(!exempt.contains("and"))
    }

    @Test("list files: comments, blank and white-space-only lines are skipped, CRLF is accepted")
    func listFormat() {
        let text = "# header\r\nan image of\r\n\r\n \u{3000}\t\n# another\n, image\nlast"
        #expect(VLRMWordLists.entries(ofListText: text) == ["an image of", ", image", "last"])
    }

    @Test("normalisation: lower case per scalar, typographic quotes, outer punctuation only")
    func normalization() {
        #expect(NormalizedWord("(Camera\u{2019}s),").description == "camera's")
        #expect(NormalizedWord("Close-Up.").description == "close-up")
        #expect(NormalizedWord("ΟΔΟΣ").description == "οδοσ")          // no Final_Sigma
        #expect(NormalizedWord("--").isEmpty)
        #expect(NormalizedWord("$5").description == "$5")              // symbols are kept
        #expect(NormalizedWord("(1993),").fourDigitValue == 1993)
        #expect(NormalizedWord("1990s").fourDigitValue == nil)
        #expect(NormalizedWord("\u{0661}\u{0669}\u{0669}\u{0663}").fourDigitValue == nil)  // Arabic-Indic digits
        #expect(NormalizedWord.phrase(" - the\u{00A0}cam  has a ").map(\.description) == ["the", "cam", "has", "a"])
    }

    /// A random caption of single-token words drawn from a small vocabulary, plus eos.
    static func randomCaption(seed: UInt64, words: Int) throws -> VLRMCaption {
        var g = SeededGenerator(seed: seed)
        let vocabulary = ["a", "dog", "red", "in", "image", "of", "an", "park", "2001", ","]
        let text = (0..<words).map { _ in vocabulary[g.nextInt(below: vocabulary.count)] }
        return try VLRMCaption(words: text, tokenWordIndex: Array(0..<words) + [-1], endsWithEOS: true)
    }

    @Test("a 10,000-word caption with two-token words: every word after its first occurrence repeats")
    func longCaption() throws {
        let vocabulary = (0..<50).map { "word\($0)" }       // not exempt, not bad, not a year
        let words = (0..<10_000).map { vocabulary[$0 % vocabulary.count] }
        let tokenWordIndex = (0..<words.count).flatMap { [$0, $0] } + [-1]
        let caption = try VLRMCaption(words: words, tokenWordIndex: tokenWordIndex, endsWithEOS: true)
        let result = try vlrmReturns(caption, sim: 0.5, ref: .mean(-1.0), rules: try VLRMPenaltyRules.paper())
        #expect(result.returns.count == 20_001)
        #expect(result.bad.sum() == 0)
        #expect(result.repeated.sum() == Double(2 * (10_000 - vocabulary.count)))
        // R_0 = sim + ref − noeos − (all penalties); the eos token carries sim + ref only.
        #expect(abs(result.returns[0] - (0.5 - 1.0 - Double(2 * (10_000 - 50)))) <= 1e-9)
        #expect(result.returns[20_000] == -0.5)
    }

    @Test("γ = 1: both terminal-discount readings agree, and R_k − R_{k+1} = −pen_k", arguments: [UInt64(1), 2, 3])
    func gammaOneReadingsAgree(_ seed: UInt64) throws {
        let caption = try Self.randomCaption(seed: seed, words: 12)
        let rules = try VLRMPenaltyRules.paper()
        let none = try vlrmReturns(caption, sim: 1.25, ref: .mean(-2.5), rules: rules)
        let gamma = try vlrmReturns(caption, sim: 1.25, ref: .mean(-2.5), rules: rules,
                                    configuration: VLRMReturnsConfiguration(terminalDiscount: .gamma))
        #expect(none.returns == gamma.returns)
        for k in 0..<(caption.tokenCount - 1) {
            let step = none.returns[k] - none.returns[k + 1]
            let penalty = none.bad[k] + none.repeated[k]
            #expect(abs(step + penalty) <= 1e-12, "token \(k)")
        }
    }

    @Test("terminal_discount gamma is the discounted return of per-token rewards: R_k = r_k + γ R_{k+1}")
    func gammaRecursion() throws {
        let caption = try Self.randomCaption(seed: 7, words: 15)
        let configuration = VLRMReturnsConfiguration(gamma: 0.8, terminalDiscount: .gamma, badWeight: 0.5, repeatWeight: 2)
        let r = try vlrmReturns(caption, sim: 0.75, ref: .mean(-1.5), rules: try .paper(), configuration: configuration)
        let n = caption.tokenCount
        let c = 0.75 - 1.5
        #expect(abs(r.returns[n - 1] - (c - 0.5 * r.bad[n - 1] - 2 * r.repeated[n - 1])) <= 1e-12)
        for k in 0..<(n - 1) {
            let reward = -(0.5 * r.bad[k] + 2 * r.repeated[k])
            #expect(abs(r.returns[k] - (reward + 0.8 * r.returns[k + 1])) <= 1e-12, "token \(k)")
        }
    }

    @Test("the first occurrence never repeats; exempt words and punctuation words never repeat")
    func repeatRules() throws {
        let rules = VLRMPenaltyRules(badPhrases: BadPhraseList([]), repeatExemptWords: ["the"])
        let words = ["The", "dog", ",", "the", "Dog", ",", "dog."]
        let flags = rules.penalizedWords(in: words)
        #expect(flags.repeated == [false, false, false, false, true, false, true])
        #expect(flags.bad == Array(repeating: false, count: words.count))
    }

    @Test("caption validation reports the Spec's error kinds")
    func captionErrors() {
        #expect(throws: InputError.empty(argument: "token_word_index", reason: "a caption needs at least one token")) {
            try VLRMCaption(words: [], tokenWordIndex: [], endsWithEOS: true)
        }
        #expect { try VLRMCaption(words: ["a"], tokenWordIndex: [0, 1], endsWithEOS: true) } throws: {
            ($0 as? InputError)?.kind == "out_of_range"
        }
        #expect { try VLRMCaption(words: ["a", "b", "c"], tokenWordIndex: [0, 2, -1], endsWithEOS: true) } throws: {
            ($0 as? InputError)?.kind == "invalid_argument"
        }
    }

    @Test("gradient of ref log-probabilities is spread evenly: α_ref Σ c_k w_k / n")
    func logProbGradient() throws {
        let caption = try Self.randomCaption(seed: 11, words: 5)
        let logProbs = Tensor<Double>([-1, -2, -0.5, -0.25, -3, -0.125])
        let cotangent = Tensor<Double>([1, -2, 0.5, 3, -1, 2])
        let configuration = VLRMReturnsConfiguration(gamma: 0.5, terminalDiscount: .gamma, refWeight: 0.25)
        let g = try vlrmReturnsBackward(caption, ref: .tokenLogProbabilities(logProbs), configuration: configuration,
                                        returnsGradient: cotangent)
        let weighted = (0..<6).reduce(0.0) { $0 + cotangent[$1] * Double.pow(0.5, Double(5 - $1)) }
        #expect(abs(g.sim - weighted) <= 1e-12)
        let perToken = try #require(g.refLogProbs)
        for j in 0..<6 { #expect(abs(perToken[j] - 0.25 * weighted / 6) <= 1e-12) }
    }
}
