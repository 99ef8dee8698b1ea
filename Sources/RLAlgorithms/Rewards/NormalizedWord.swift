/// A caption word after VLRM's word normalisation, compared scalar by scalar.
///
/// Implements Specs/VLRMReturns.md VLRMReturns-1: `N(w) = strip_P(quotes(lower(w)))`, where
/// - `lower` applies the full Unicode lowercase mapping to each scalar on its own (no context or
///   language rules, so no Final_Sigma);
/// - `quotes` maps the typographic single quotes U+2018 and U+2019 to the ASCII apostrophe U+0027;
/// - `strip_P` removes leading and trailing scalars of general category P* (Pc, Pd, Ps, Pe, Pi, Pf,
///   Po); inner punctuation stays (`close-up`, `camera's`), symbols, digits and letters are kept.
///
/// Two normalised words are equal when their scalars are equal (no canonical equivalence: a
/// precomposed "é" and "e" + U+0301 differ), so matching does not depend on `String`'s
/// grapheme-based equality. A word whose normalisation is empty (`","`, `"-"`) is a punctuation word.
public struct NormalizedWord: Hashable, Sendable, CustomStringConvertible {
    /// The normalised scalars.
    public let scalars: [Unicode.Scalar]

    /// `N(word)`.
    public init(_ word: String) {
        let lowered = lowercasedScalars(word).map { $0 == "\u{2018}" || $0 == "\u{2019}" ? "'" : $0 }
        let start = lowered.firstIndex { !Self.isPunctuation($0) } ?? lowered.endIndex
        let end = lowered.lastIndex { !Self.isPunctuation($0) }.map { $0 + 1 } ?? start
        scalars = Array(lowered[start..<end])
    }

    /// True for a punctuation word (`N(w)` is empty): skipped by phrase matching, never a year or a repeat.
    public var isEmpty: Bool { scalars.isEmpty }

    /// The normalised word as a string.
    public var description: String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars)
        return String(s)
    }

    /// The value of a word made of exactly four ASCII digits (a "dddd" year), else nil.
    public var fourDigitValue: Int? {
        guard scalars.count == 4 else { return nil }
        var value = 0
        for s in scalars {
            guard ("0"..."9").contains(s) else { return nil }
            value = value * 10 + Int(s.value - 48)
        }
        return value
    }

    /// A phrase as the tuple of the non-empty normalised pieces between runs of Unicode White_Space
    /// (VLRMReturns-1); empty when nothing is left.
    public static func phrase(_ text: String) -> [NormalizedWord] {
        var words: [NormalizedWord] = []
        var piece = String.UnicodeScalarView()
        func flush() {
            guard !piece.isEmpty else { return }
            let word = NormalizedWord(String(piece))
            if !word.isEmpty { words.append(word) }
            piece.removeAll(keepingCapacity: true)
        }
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace { flush() } else { piece.append(scalar) }
        }
        flush()
        return words
    }

    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            true
        default:
            false
        }
    }
}
