/// A list of bad phrases, normalised once for word-level matching (Specs/VLRMReturns.md
/// VLRMReturns-2).
///
/// Each phrase is split on Unicode White_Space and its pieces normalised with `NormalizedWord`
/// (VLRMReturns-1); empty pieces are dropped, phrases with no piece left are ignored, and phrases
/// with the same normalisation count once (the indicator does not count matches).
public struct BadPhraseList: Sendable {
    /// The distinct normalised phrases, grouped by their first word.
    private var phrasesByFirstWord: [NormalizedWord: [[NormalizedWord]]] = [:]

    /// The list built from `phrases` (e.g. seed 004 Table 6, `VLRMWordLists.badPhrases()`).
    public init(_ phrases: [String]) {
        var distinct = Set<[NormalizedWord]>()
        for text in phrases {
            let phrase = NormalizedWord.phrase(text)
            guard let first = phrase.first, distinct.insert(phrase).inserted else { continue }
            phrasesByFirstWord[first, default: []].append(phrase)
        }
    }

    /// Marks `bad[j]` for every word index `j` inside a match: every start among the non-punctuation
    /// words `content` where a phrase's words equal the normalised words that follow, marking the
    /// span from the first to the last matched word in the original list (punctuation words in
    /// between included). Overlapping matches mark the union.
    func markMatches(normalized: [NormalizedWord], content: [Int], bad: inout [Bool]) {
        for (a, start) in content.enumerated() {
            for phrase in phrasesByFirstWord[normalized[start]] ?? [] where a + phrase.count <= content.count {
                guard phrase.indices.allSatisfy({ normalized[content[a + $0]] == phrase[$0] }) else { continue }
                for j in start...content[a + phrase.count - 1] { bad[j] = true }
            }
        }
    }
}

/// The text rules of the VLRM reward: which caption words are bad (a bad phrase or a year) and which
/// are repeats (Specs/VLRMReturns.md, "Conventions and presets").
public struct VLRMPenaltyRules: Sendable {
    /// Phrases whose words are penalised (VLRMReturns-2). Paper: seed 004 Table 6.
    public var badPhrases: BadPhraseList
    /// Normalised words that are never repeats (VLRMReturns-3). Paper: colours ∪ prepositions ∪ articles.
    public var repeatExemptWords: Set<NormalizedWord>
    /// Whether four-digit numbers ("dddd") in `yearRange` are bad words. Paper: true.
    public var penalizesYears: Bool
    /// The values a four-digit word must have to count as a year. Paper: 0...9999 (every "dddd").
    public var yearRange: ClosedRange<Int>

    public init(badPhrases: BadPhraseList, repeatExemptWords: [String], penalizesYears: Bool = true,
                yearRange: ClosedRange<Int> = 0...9999) {
        self.badPhrases = badPhrases
        self.repeatExemptWords = Set(repeatExemptWords.map(NormalizedWord.init))
        self.penalizesYears = penalizesYears
        self.yearRange = yearRange
    }

    /// The paper's rules: the shipped Table 6 phrases and exempt lists (`VLRMWordLists`), years on,
    /// every four-digit number a year. Built once.
    /// - Throws: `ResourceFileError` when a data file cannot be read.
    public static func paper() throws(ResourceFileError) -> VLRMPenaltyRules { try paperRules.get() }

    private static let paperRules = Result { () throws(ResourceFileError) in
        VLRMPenaltyRules(badPhrases: BadPhraseList(try VLRMWordLists.badPhrases()),
                         repeatExemptWords: try VLRMWordLists.repeatExemptWords())
    }

    /// Per word of a caption: whether it is bad and whether it is a repeat.
    ///
    /// Implements Specs/VLRMReturns.md VLRMReturns-2 (bad: inside a bad-phrase match over the
    /// non-punctuation words, or a non-punctuation word whose normalisation is four ASCII digits with
    /// a value in `yearRange` when `penalizesYears`) and VLRMReturns-3 (repeat: a non-punctuation
    /// word, not exempt, whose normalisation equals that of an earlier non-punctuation word; the first
    /// occurrence is never a repeat). The two indicators are independent.
    public func penalizedWords(in words: [String]) -> (bad: [Bool], repeated: [Bool]) {
        let normalized = words.map(NormalizedWord.init)
        let content = normalized.indices.filter { !normalized[$0].isEmpty }
        var bad = Array(repeating: false, count: words.count)
        badPhrases.markMatches(normalized: normalized, content: content, bad: &bad)
        if penalizesYears {
            for j in content {
                if let year = normalized[j].fourDigitValue, yearRange.contains(year) { bad[j] = true }
            }
        }
        var repeated = Array(repeating: false, count: words.count)
        var seen = Set<NormalizedWord>()
        for j in content where !seen.insert(normalized[j]).inserted {
            repeated[j] = !repeatExemptWords.contains(normalized[j])
        }
        return (bad, repeated)
    }
}
