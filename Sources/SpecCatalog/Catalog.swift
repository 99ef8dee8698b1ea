import Verification

/// Every Spec the library implements, by name. `rlref`, the golden tests and the consistency test
/// read this list; adding a Spec means adding its evaluator here.
public enum Catalog {
    public static let evaluators: [any SpecEvaluator] = [
        GAEEvaluator(),
        TokenLogProbsEvaluator(),
        PPOPolicyLossEvaluator(),
        ValueLossEvaluator(),
        PPOLossEvaluator(),
        KLPenaltyEvaluator(),
        GRPOEvaluator(),
        VLRMA2CEvaluator(),
        CoTLogProbEvaluator(),
        OptimizersEvaluator(),
        VLRMReturnsEvaluator(),
        RetrievalMetricsEvaluator(),
        VLRMRSScoreEvaluator(),
        TextNormalizationEvaluator(),
        VQARewardEvaluator(),
        SimilarityRewardEvaluator(),
        ActionParsingEvaluator(),
        ModelEvaluator(),
        TokenizerEvaluator(),
        GenerationEvaluator(),
        ShapesTasksEvaluator(),
        CLIPEvaluator(),
        GymCardsEvaluator(),
    ]

    /// The evaluator for a Spec name, or nil.
    public static func evaluator(for spec: String) -> (any SpecEvaluator)? {
        evaluators.first { $0.spec == spec }
    }
}
