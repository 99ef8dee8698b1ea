import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/TextNormalization.md: input `text`; outputs `normalized`, `words`,
/// `word_count` and the summary keys of large cases (`normalized_scalar_count`, `words_head`,
/// `words_tail`: the first and last five words). No gradients.
public struct TextNormalizationEvaluator: SpecEvaluator {
    public let spec = "TextNormalization"
    public init() {}

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        let text = NormalizedText(normalizing: try inputs.requiredString("text"))
        let words = text.words.map(\.description)
        return [
            "normalized": .json(.string(text.string)),
            "words": .json(JSONValue(strings: words)),
            "word_count": .json(.number(Double(words.count))),
            "normalized_scalar_count": .json(.number(Double(text.scalars.count))),
            "words_head": .json(JSONValue(strings: words.prefix(5))),
            "words_tail": .json(JSONValue(strings: words.suffix(5))),
        ]
    }
}
