/// Every word the shapes tasks can produce (prompts, answers, vague warm-start answers, captions), for
/// building the closed-vocabulary word-level tokenizer (`WordLevelTokenizer(corpus:)`).
public enum ShapesVocabulary {
    /// One text per word or symbol, sorted.
    public static let corpus: [String] = {
        var words: Set<String> = ["?", ".", "a", "an", "and", "the", "of", "is", "are", "there", "what", "how", "many",
                                  "color", "shape", "object", "objects", "yes", "no", "maybe", "some", "colorful",
                                  "left", "right", "above", "below", "describe", "image"]
        words.formUnion(ShapeKind.allCases.flatMap { [$0.rawValue, $0.plural] })
        words.formUnion(ShapeColor.allCases.map(\.rawValue))
        words.formUnion(ShapeSize.allCases.map(\.rawValue))
        words.formUnion(numberWords)
        words.formUnion((0...9).map(String.init))
        return words.sorted { Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes(Array($1.unicodeScalars.map(\.value))) }
    }()
}
