import Models
import Tensor
import Verification

/// Golden-file binding of Specs/Tokenizer.md: with `corpus` (strings), the built `vocab`; otherwise
/// `vocab`, `special_tokens`, `unk_token` and `text` give `ids`, `offsets` ([start, end) in Unicode
/// scalars) and `count`. Not differentiable.
public struct TokenizerEvaluator: SpecEvaluator {
    public let spec = "Tokenizer"
    public init() {}

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        if let corpus = try inputs.strings("corpus") {
            return ["vocab": .json(.array(try WordLevelTokenizer(corpus: corpus).vocabulary.map { .string($0) }))]
        }
        guard let vocab = try inputs.strings("vocab") else { throw InputError.missingInput(argument: "vocab") }
        guard let text = try inputs.string("text") else { throw InputError.missingInput(argument: "text") }
        let tokenizer = try WordLevelTokenizer(vocabulary: vocab, specialTokens: try inputs.strings("special_tokens") ?? [],
                                               unknownToken: try inputs.string("unk_token") ?? "<unk>")
        let (ids, offsets) = tokenizer.encode(text)
        return ["ids": .json(.array(ids.map { .number(Double($0)) })),
                "offsets": .json(.array(offsets.map { .array([.number(Double($0.lowerBound)), .number(Double($0.upperBound))]) })),
                "count": OutputValue(Double(ids.count))]
    }
}
