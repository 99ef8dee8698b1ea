import Models

extension WordLevelTokenizer {
    /// The text of generated response tokens, joined so that the task formats round-trip
    /// (Specs/Tokenizer.md, "Joining generated tokens"): special tokens dropped; pieces separated by one
    /// space, except none after `{ ( [` or before `} ) ] , : . ? !`, and none on the inside of a pair
    /// of double quotes (the first `"` of a pair opens, the next closes). So `{"action": "move right"}`
    /// encodes and joins back to itself, and ActionParsing sees the format it expects.
    /// - Throws: `outOfRange` for an id outside the vocabulary.
    public func responseText(_ ids: [Int]) throws -> String {
        let pieces = try ids.compactMap { id -> String? in
            let token = try decode([id])
            return specialTokens.contains(token) ? nil : token
        }
        var text = ""
        var quoteOpen = false
        var previous: String?
        for piece in pieces {
            let isQuote = piece == "\""
            let closing = isQuote && quoteOpen
            if let previous {
                let afterOpener = ["{", "(", "["].contains(previous) || (previous == "\"" && quoteOpen)
                let beforeCloser = ["}", ")", "]", ",", ":", ".", "?", "!"].contains(piece) || closing
                if !afterOpener && !beforeCloser { text += " " }
            }
            text += piece
            if isQuote { quoteOpen.toggle() }
            previous = piece
        }
        return text
    }
}
