import Models

extension WordLevelTokenizer {
    /// The words of generated response tokens and, per token, the index of the word it belongs to
    /// (−1 for special tokens such as `</s>`, which are dropped) — the alignment VLRM's per-word
    /// penalties need (Specs/VLRMReturns.md, "Words and tokens").
    ///
    /// Pieces join into words as `responseText` describes (Specs/Tokenizer.md, "Joining generated
    /// tokens"): a piece starts a new word unless it follows `{ ( [` or an opening `"`, or is one of
    /// `} ) ] , : . ? !` or a closing `"` (the first `"` of a pair opens, the next closes).
    /// - Throws: `outOfRange` for an id outside the vocabulary.
    public func responseWords(_ ids: [Int]) throws -> (words: [String], tokenWordIndex: [Int]) {
        var words: [String] = []
        var index: [Int] = []
        var quoteOpen = false
        var previous: String?
        for id in ids {
            let piece = try decode([id])
            guard !specialTokens.contains(piece) else { index.append(-1); continue }
            let isQuote = piece == "\""
            let closing = isQuote && quoteOpen
            let afterOpener = previous.map { ["{", "(", "["].contains($0) || ($0 == "\"" && quoteOpen) } ?? false
            let beforeCloser = ["}", ")", "]", ",", ":", ".", "?", "!"].contains(piece) || closing
            if previous == nil || (!afterOpener && !beforeCloser) {
                words.append(piece)
            } else {
                words[words.count - 1] += piece
            }
            index.append(words.count - 1)
            if isQuote { quoteOpen.toggle() }
            previous = piece
        }
        return (words, index)
    }

    /// The text of generated response tokens: `responseWords` joined by single spaces, so that the
    /// task formats round-trip (`{"action": "move right"}` encodes and joins back to itself) and
    /// ActionParsing sees the format it expects.
    /// - Throws: `outOfRange` for an id outside the vocabulary.
    public func responseText(_ ids: [Int]) throws -> String {
        try responseWords(ids).words.joined(separator: " ")
    }
}
