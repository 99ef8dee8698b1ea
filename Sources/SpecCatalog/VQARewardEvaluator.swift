import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/VQAReward.md: inputs `prediction`, `reference`, `weights`,
/// `brevity_penalty`, `substring_mode`, `preset`; outputs the five components, `total`,
/// `answer_type` and `extracted`. No gradients.
public struct VQARewardEvaluator: SpecEvaluator {
    public let spec = "VQAReward"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with.
    public var presets: [PresetDescription] { PresetProvenance.describe(VQARewardConfiguration.presets, [:]) }

    /// Errors in the Spec's order: missing or non-string texts, an empty reference, then the
    /// weights (shape, finiteness) and the conventions.
    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        let prediction = try inputs.requiredString("prediction")
        let reference = try inputs.requiredString("reference")
        let pair = try VQAAnswerPair(prediction: prediction, reference: reference)
        var weights: VQARewardWeights?
        if let w: Tensor<Double> = try inputs.optionalTensor("weights") {
            guard w.rank == 1 else { throw InputError.shapeMismatch(argument: "weights", expected: [5], actual: w.shape) }
            weights = try VQARewardWeights(w.elements)
            try weights?.validate()
        }
        var c = try inputs.preset(VQARewardConfiguration.presets, default: .paper)
        if let weights { c.weights = weights }
        if let b = try inputs.bool("brevity_penalty") { c.brevityPenalty = b }
        c.substringMode = try inputs.convention("substring_mode", default: c.substringMode)
        let result = try vqaReward(pair, configuration: c, as: T.self)
        return [
            "bleu1": OutputValue(result.bleu1), "exact": OutputValue(result.exact),
            "substring": OutputValue(result.substring), "jaccard": OutputValue(result.jaccard),
            "extractable": OutputValue(result.extractable), "total": OutputValue(result.total),
            "answer_type": .json(.string(result.answerType.rawValue)),
            "extracted": .json(JSONValue(nullable: result.extracted)),
        ]
    }
}
