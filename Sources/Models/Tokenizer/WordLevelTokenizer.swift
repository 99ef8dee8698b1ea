import Foundation
import Tensor
import Verification

/// A closed-vocabulary word/symbol tokenizer in Hugging Face tokenizers' `WordLevel` layout
/// (Specs/Tokenizer.md): special tokens are cut out of the raw text first (leftmost, longest
/// match), the rest is split at white space (Tokenizer-1) and every punctuation character is
/// isolated (Tokenizer-2); each piece maps to its id or to the unknown token (Tokenizer-3), and keeps
/// its [start, end) offsets in Unicode scalars of the original text (Tokenizer-4).
public struct WordLevelTokenizer: Sendable, Equatable {
    /// Tokens by id.
    public private(set) var vocabulary: [String]
    /// The special tokens (matched in raw text, never split): at least the unknown token.
    public private(set) var specialTokens: [String]
    public var unknownToken: String
    /// Ids keyed by Unicode scalars (String keys would merge canonically equivalent tokens such as
    /// "é" and "e\u{301}", which Hugging Face tokenizers keeps apart).
    private var ids: [[Unicode.Scalar]: Int]

    /// Names of the roles special tokens play (for tokenizer_config.json and the model's config).
    public var padToken = "<pad>", bosToken = "<s>", eosToken = "</s>", imageToken = "<image>"

    /// A tokenizer over `vocabulary` (ids in order). - Throws: `invalidArgument` for a duplicate or
    /// empty token, a special or unknown token that is not in the vocabulary.
    public init(vocabulary: [String], specialTokens: [String], unknownToken: String) throws {
        var ids: [[Unicode.Scalar]: Int] = [:]
        for (i, token) in vocabulary.enumerated() {
            guard !token.isEmpty else { throw InputError.invalidArgument(argument: "vocab[\(i)]", reason: "is empty") }
            guard ids[Self.key(token)] == nil else { throw InputError.invalidArgument(argument: "vocab[\(i)]", reason: "repeats an earlier token") }
            ids[Self.key(token)] = i
        }
        for token in specialTokens + [unknownToken] where ids[Self.key(token)] == nil {
            throw InputError.invalidArgument(argument: "special_tokens", reason: "a special token is not in the vocabulary")
        }
        self.vocabulary = vocabulary
        self.specialTokens = specialTokens
        self.unknownToken = unknownToken
        self.ids = ids
    }

    /// The default special tokens, ids 0…4: `<pad>`, `<s>` (BOS), `</s>` (EOS), `<unk>`, `<image>`.
    public static let defaultSpecialTokens = ["<pad>", "<s>", "</s>", "<unk>", "<image>"]

    /// A vocabulary built from `corpus`: the default special tokens, then every piece of the corpus
    /// by descending frequency (ties in scalar order), so the same corpus gives the same ids.
    public init(corpus: [String]) throws {
        var counts: [[Unicode.Scalar]: Int] = [:]
        let specials = Self.defaultSpecialTokens
        for text in corpus {
            for piece in Self.pieces(of: text, specialTokens: specials) where !piece.isSpecial { counts[Self.key(piece.text), default: 0] += 1 }
        }
        let specialKeys = Set(specials.map(Self.key))
        let words = counts.keys.filter { !specialKeys.contains($0) }.sorted {
            counts[$0]! != counts[$1]! ? counts[$0]! > counts[$1]! : $0.map(\.value).lexicographicallyPrecedes($1.map(\.value))
        }
        try self.init(vocabulary: specials + words.map { String(String.UnicodeScalarView($0)) }, specialTokens: specials, unknownToken: "<unk>")
    }

    public func id(of token: String) -> Int? { ids[Self.key(token)] }

    static func key(_ token: String) -> [Unicode.Scalar] { Array(token.unicodeScalars) }

    /// Ids and [start, end) offsets (Unicode scalars) of `text`.
    public func encode(_ text: String) -> (ids: [Int], offsets: [Range<Int>]) {
        let unknown = id(of: unknownToken)!
        let pieces = Self.pieces(of: text, specialTokens: specialTokens)
        return (pieces.map { id(of: $0.text) ?? unknown }, pieces.map(\.range))
    }

    /// The tokens of `ids` joined by single spaces (what `WordLevel` decodes to without a decoder).
    /// - Throws: `outOfRange` for an id outside the vocabulary.
    public func decode(_ tokenIDs: [Int], skippingSpecialTokens: Bool = false) throws -> String {
        var words: [String] = []
        for id in tokenIDs {
            guard vocabulary.indices.contains(id) else {
                throw InputError.outOfRange(argument: "ids", value: Double(id), range: "[0, \(vocabulary.count))")
            }
            if skippingSpecialTokens && specialTokens.contains(where: { Self.key($0) == Self.key(vocabulary[id]) }) { continue }
            words.append(vocabulary[id])
        }
        return words.joined(separator: " ")
    }

    /// One piece of text with its scalar range.
    struct Piece { var text: String; var range: Range<Int>; var isSpecial: Bool }

    /// Tokenizer-1, Tokenizer-2 and the special-token cut.
    static func pieces(of text: String, specialTokens: [String]) -> [Piece] {
        let scalars = Array(text.unicodeScalars)
        let specials = specialTokens.map { Array($0.unicodeScalars) }.sorted { $0.count > $1.count }
        var out: [Piece] = []
        var start: Int? = nil   // start of the current ordinary word
        func flush(_ end: Int) {
            if let s = start { out.append(Piece(text: String(String.UnicodeScalarView(scalars[s..<end])), range: s..<end, isSpecial: false)) }
            start = nil
        }
        var i = 0
        while i < scalars.count {
            if let special = specials.first(where: { i + $0.count <= scalars.count && scalars[i..<(i + $0.count)].elementsEqual($0) }) {
                flush(i)
                out.append(Piece(text: String(String.UnicodeScalarView(special)), range: i..<(i + special.count), isSpecial: true))
                i += special.count
                continue
            }
            let s = scalars[i]
            if s.properties.isWhitespace {
                flush(i)
            } else if isPunctuation(s) {
                flush(i)
                out.append(Piece(text: String(s), range: i..<(i + 1), isSpecial: false))
            } else if start == nil {
                start = i
            }
            i += 1
        }
        flush(scalars.count)
        return out
    }

    /// ASCII punctuation (every printable non-alphanumeric ASCII character) or a Unicode P* category,
    /// as Hugging Face tokenizers' `Punctuation` pre-tokenizer decides.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return (33...47).contains(s.value) || (58...64).contains(s.value) || (91...96).contains(s.value) || (123...126).contains(s.value) }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }
}
