/// Text after the normalisation every text reward shares: case folded, format characters deleted,
/// split into word tokens (Specs/TextNormalization.md).
///
/// Implements Specs/TextNormalization.md:
/// - TextNormalization-1: each Unicode scalar replaced by its full lowercase mapping, with no context or
///   language rule (`lowercasedScalars(_:)`: `"ΟΔΟΣ"` → `"οδοσ"`, U+0130 → `i` + U+0307);
/// - TextNormalization-2: every scalar of general category Cf deleted without leaving a separator;
/// - TextNormalization-3: a left-to-right scan that keeps letters and numbers (L*, N*), marks (M*) after
///   a word scalar, an apostrophe (U+0027 or U+2019, written U+0027) between a word and a following
///   letter or number, a full stop between two Nd digits; everything else separates words;
/// - TextNormalization-4: `scalars` are the words joined by single U+0020 (empty when there are none).
///
/// Everything acts on Unicode scalars, never on grapheme clusters, and there is no Unicode
/// normalisation: words are compared scalar by scalar (`Word` is `Hashable` by its scalars), so a
/// precomposed "é" and "e" + U+0301 differ. Do not compare `string` or `Word.description` with
/// `String.==`, which uses canonical equivalence. Linear time in the length of the text.
public struct NormalizedText: Sendable, Equatable {
    /// One word token: a non-empty run of scalars of the normalised text, equal to another word
    /// exactly when their scalars are equal.
    public struct Word: Hashable, Sendable, CustomStringConvertible {
        /// The word's scalars (a slice of the normalised text's `scalars`).
        public let scalars: ArraySlice<Unicode.Scalar>

        /// The word as a string.
        public var description: String { String(scalars: scalars) }

        /// Whether the word's scalars are exactly those of `literal`.
        public func isScalarwiseEqual(to literal: String) -> Bool {
            scalars.elementsEqual(literal.unicodeScalars)
        }
    }

    /// The scalars of the normalised text: the words joined by U+0020.
    public let scalars: [Unicode.Scalar]
    /// The word tokens in text order, duplicates kept.
    public let words: [Word]

    /// Normalises `text` (TextNormalization-1…4).
    public init(normalizing text: String) {
        var folded = lowercasedScalars(text)
        folded.removeAll { $0.properties.generalCategory == .format }
        var assembler = WordAssembler(capacity: folded.count)
        for i in folded.indices {
            let scalar = folded[i]
            let next = i + 1 < folded.count ? folded[i + 1] : nil
            switch ScalarClass(scalar) {
            case .word:
                assembler.append(scalar)
            case .mark:
                if assembler.hasWord { assembler.append(scalar) }
            case .apostrophe:
                if assembler.hasWord, let next, ScalarClass(next) == .word { assembler.append("'") } else { assembler.endWord() }
            case .decimalPoint:
                if i > 0, folded[i - 1].properties.generalCategory == .decimalNumber,
                   let next, next.properties.generalCategory == .decimalNumber {
                    assembler.append(scalar)
                } else {
                    assembler.endWord()
                }
            case .separator:
                assembler.endWord()
            }
        }
        assembler.endWord()
        let joined = assembler.scalars
        scalars = joined
        words = assembler.wordRanges.map { Word(scalars: joined[$0]) }
    }

    /// The normalised text as a string.
    public var string: String { String(scalars: scalars[...]) }
}

/// TextNormalization-1 (Specs/TextNormalization.md): the scalars of `text`, each replaced by its full
/// Unicode lowercase mapping (UnicodeData + unconditional SpecialCasing), with no context- or
/// language-sensitive rule (no Final_Sigma). Shared by every text reward that folds case.
public func lowercasedScalars(_ text: String) -> [Unicode.Scalar] {
    var out: [Unicode.Scalar] = []
    out.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
        if scalar.isASCII {
            out.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar)
        } else {
            out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
    }
    return out
}

extension String {
    /// The string made of exactly `scalars` (no normalisation).
    init(scalars: ArraySlice<Unicode.Scalar>) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        self.init(view)
    }
}

/// The class of a scalar in the word scan (TextNormalization-3), by general category.
private enum ScalarClass {
    case word, mark, apostrophe, decimalPoint, separator

    init(_ scalar: Unicode.Scalar) {
        switch scalar {
        case "'", "\u{2019}": self = .apostrophe
        case ".": self = .decimalPoint
        default:
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                 .decimalNumber, .letterNumber, .otherNumber:
                self = .word
            case .nonspacingMark, .spacingMark, .enclosingMark:
                self = .mark
            default:
                self = .separator
            }
        }
    }
}

/// Builds the joined output of the scan in one buffer, recording where each word lies.
private struct WordAssembler {
    var scalars: [Unicode.Scalar] = []
    var wordRanges: [Range<Int>] = []
    /// Start of the word being assembled in `scalars`, nil between words.
    private var wordStart: Int?

    init(capacity: Int) { scalars.reserveCapacity(capacity) }

    var hasWord: Bool { wordStart != nil }

    mutating func append(_ scalar: Unicode.Scalar) {
        if wordStart == nil {
            if !scalars.isEmpty { scalars.append(" ") }
            wordStart = scalars.count
        }
        scalars.append(scalar)
    }

    mutating func endWord() {
        guard let start = wordStart else { return }
        wordRanges.append(start..<scalars.count)
        wordStart = nil
    }
}
