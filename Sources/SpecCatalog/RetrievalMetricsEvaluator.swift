import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/RetrievalMetrics.md (input and output keys: the Spec's "Golden
/// inputs and outputs" section). The metrics are piecewise constant: no gradients.
public struct RetrievalMetricsEvaluator: SpecEvaluator {
    public let spec = "RetrievalMetrics"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with.
    public var presets: [PresetDescription] { PresetProvenance.describe(RetrievalConfiguration.presets, [:]) }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        guard inputs.contains("similarity") else { throw InputError.missingInput(argument: "similarity") }
        var c = try inputs.preset(RetrievalConfiguration.presets, default: .paper)
        c.ties = try inputs.convention("ties", default: c.ties)
        if let ks = try inputs.integers("ks") { c.ks = ks }
        let m = try retrievalMetrics(similarity: inputs.matrix("similarity", as: T.self),
                                     textToImage: inputs.integers("text_to_image"), configuration: c)
        func numbers(_ values: [Double]) -> OutputValue { OutputValue(Tensor(values)) }
        func ranks(_ values: [Int]) -> OutputValue { numbers(values.map(Double.init)) }
        return [
            "t2i_ranks": ranks(m.textToImage.ranks),
            "t2i_recall_at_k": numbers(m.textToImage.recallAtK),
            "t2i_mrr": OutputValue(m.textToImage.meanReciprocalRank),
            "i2t_ranks": ranks(m.imageToText.ranks),
            "i2t_recall_at_k": numbers(m.imageToText.recallAtK),
            "i2t_mrr": OutputValue(m.imageToText.meanReciprocalRank),
            "i2t_num_queries": OutputValue(Double(m.imageToText.queryCount)),
        ]
    }
}
