import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/SimilarityReward.md. `function = "cosine"`: inputs `a`, `b`, `eps`,
/// `eps_mode`, output `cosine`, gradients for `a` and `b`. `function = "monte_carlo"`: input `draws`,
/// `variance_estimator`, outputs `mean` and `variance`, gradient for `draws`. Both accept `preset`.
public struct SimilarityRewardEvaluator: SpecEvaluator {
    public let spec = "SimilarityReward"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with.
    public var presets: [PresetDescription] { PresetProvenance.describe(SimilarityRewardConfiguration.presets, [:]) }

    private enum Function: String, CaseIterable {
        case cosine
        case monteCarlo = "monte_carlo"
    }

    /// The function, its required inputs' presence and the conventions, in the Spec's error order
    /// (`missing_input`, then `invalid_argument`).
    private func setup(_ inputs: GoldenInputs) throws -> (Function, SimilarityRewardConfiguration) {
        guard inputs.contains("function") else { throw InputError.missingInput(argument: "function") }
        let function: Function = try inputs.convention("function", default: .cosine)
        let required = function == .cosine ? ["a", "b"] : ["draws"]
        for key in required where !inputs.contains(key) { throw InputError.missingInput(argument: key) }
        var c = try inputs.preset(SimilarityRewardConfiguration.presets, default: .paper)
        c.epsMode = try inputs.convention("eps_mode", default: c.epsMode)
        c.varianceEstimator = try inputs.convention("variance_estimator", default: c.varianceEstimator)
        if let eps = try inputs.number("eps") { c.eps = eps }
        return (function, c)
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        let (function, c) = try setup(inputs)
        switch function {
        case .cosine:
            let a: Tensor<T> = try inputs.tensor("a"), b: Tensor<T> = try inputs.tensor("b")
            return ["cosine": OutputValue(try cosineSimilarity(a, b, configuration: c))]
        case .monteCarlo:
            let estimate = try monteCarloRewardEstimate(try inputs.tensor("draws", as: T.self),
                                                        variance: c.varianceEstimator)
            return ["mean": OutputValue(estimate.mean), "variance": OutputValue(estimate.variance)]
        }
    }

    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let (function, c) = try setup(inputs)
        switch function {
        case .cosine:
            let a: Tensor<Double> = try inputs.tensor("a"), b: Tensor<Double> = try inputs.tensor("b")
            let g = cotangents["cosine"] ?? Tensor(shape: [a.shape.first ?? 0])
            let grads = try cosineSimilarityBackward(a, b, configuration: c, cosineGradient: g)
            return ["a": grads.a, "b": grads.b]
        case .monteCarlo:
            let draws: Tensor<Double> = try inputs.tensor("draws")
            return ["draws": try monteCarloRewardEstimateBackward(draws, variance: c.varianceEstimator,
                                                                  meanGradient: cotangents["mean"],
                                                                  varianceGradient: cotangents["variance"])]
        }
    }
}
