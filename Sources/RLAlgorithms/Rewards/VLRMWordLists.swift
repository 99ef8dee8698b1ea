import Foundation

/// A data file shipped with RLAlgorithms could not be found or decoded.
public struct ResourceFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file name inside the bundle's `Resources` folder.
    public let file: String
    public let reason: String

    public var description: String { "Resources/\(file): \(reason)" }
}

/// The default word lists of the VLRM reward (Specs/VLRMReturns.md, "Conventions and presets"),
/// read once from the RLAlgorithms bundle's `Resources` folder:
/// - `bad_phrases.txt`: the 212 bad phrases of seed 004 Table 6 (VLRMReturns-2);
/// - `colors.txt`, `prepositions.txt`, `articles.txt`: the words exempt from the repeat penalty
///   (VLRMReturns-3).
///
/// File format: UTF-8, one entry per line (lines end at U+000A, a trailing U+000D is dropped);
/// lines starting with `#` are comments; lines that are empty or only Unicode White_Space are
/// ignored; every other line is an entry, verbatim.
public enum VLRMWordLists {
    /// The phrases of `bad_phrases.txt`, in file order.
    /// - Throws: `ResourceFileError` when the file is missing or not UTF-8.
    public static func badPhrases() throws(ResourceFileError) -> [String] { try badPhraseFile.get() }

    /// The words of `colors.txt`, `prepositions.txt` and `articles.txt`, in that order.
    /// - Throws: `ResourceFileError` when a file is missing or not UTF-8.
    public static func repeatExemptWords() throws(ResourceFileError) -> [String] { try exemptFiles.get() }

    /// The entries of a word-list file's text (the format above).
    public static func entries(ofListText text: String) -> [String] {
        var out: [String] = []
        for rawLine in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.last == "\r" ? rawLine.dropLast() : rawLine
            if line.first == "#" || line.allSatisfy(\.properties.isWhitespace) { continue }
            out.append(String(String.UnicodeScalarView(line)))
        }
        return out
    }

    // Read on first use (a static `let` is initialised lazily and exactly once).
    private static let badPhraseFile = Result { () throws(ResourceFileError) in try readList("bad_phrases") }
    private static let exemptFiles = Result { () throws(ResourceFileError) in
        var words: [String] = []
        for name in ["colors", "prepositions", "articles"] { words += try readList(name) }
        return words
    }

    private static func readList(_ name: String) throws(ResourceFileError) -> [String] {
        let file = "\(name).txt"
        guard let url = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Resources") else {
            throw ResourceFileError(file: file, reason: "not found in the RLAlgorithms resource bundle")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ResourceFileError(file: file, reason: "cannot be read (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ResourceFileError(file: file, reason: "is not valid UTF-8")
        }
        return entries(ofListText: text)
    }
}
