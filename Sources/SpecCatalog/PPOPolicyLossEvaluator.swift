import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/PPOPolicyLoss.md (input and output keys: the Spec's "Golden inputs
/// and outputs" section).
public struct PPOPolicyLossEvaluator: SpecEvaluator {
    public let spec = "PPOPolicyLoss"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with, and what each reproduces.
    public var presets: [PresetDescription] { PresetProvenance.describe(PPOPolicyLossConfiguration.presets, PresetProvenance.ppo) }

    /// Checks the Spec's error rules 1–3 (missing arrays, unknown preset or aggregation, missing
    /// normalizer); the numeric parameters are checked by `PPOPolicyLossConfiguration.validate` after
    /// the arrays.
    /// `zeroMasked`: the `zero_masked_outputs` input (default true).
    private func configuration(_ inputs: GoldenInputs) throws -> (PPOPolicyLossConfiguration, zeroMasked: Bool) {
        try inputs.require("log_probs", "old_log_probs", "advantages")
        var c = try inputs.preset(PPOPolicyLossConfiguration.presets, default: .paper)
        let zeroMasked = try inputs.bool("zero_masked_outputs") ?? true
        c.aggregation = try inputs.aggregation(default: c.aggregation)
        c.surrogate = try inputs.clippedSurrogate(over: c.surrogate)
        return (c, zeroMasked)
    }

    private func batch<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> PolicyTokenBatch<T> {
        try PolicyTokenBatch(logProbs: inputs.tensor("log_probs"), oldLogProbs: inputs.tensor("old_log_probs"),
                             advantages: inputs.tensor("advantages"), mask: inputs.optionalTensor("mask"))
    }

    public func evaluate<T: Scalar>(_ given: GoldenInputs, as: T.Type) throws -> Outputs {
        let inputs = try given.translating(FrameworkAlias.verl)
        let (c, zeroMasked) = try configuration(inputs)
        let b = try batch(inputs, as: T.self)
        let r = try ppoPolicyLoss(b, configuration: c)
        let d = r.diagnostics
        return [
            "loss": OutputValue(r.loss),
            "ratios": OutputValue(c.surrogate.perTokenRatios(b, zeroMasked: zeroMasked)),
            "per_token_loss": OutputValue(c.surrogate.perTokenLosses(b, zeroMasked: zeroMasked)),
            "clip_fraction_ratio": OutputValue(d.clipFractionRatio), "clip_fraction_active": OutputValue(d.clipFractionActive),
            "clip_fraction_dual": OutputValue(d.clipFractionDual), "approx_kl_k1": OutputValue(d.approxKLK1),
            "approx_kl_k2": OutputValue(d.approxKLK2), "approx_kl_k3": OutputValue(d.approxKLK3),
        ]
    }

    /// ∂L/∂log_probs for cotangents on `loss`, `ratios` and `per_token_loss` (the diagnostics are not
    /// differentiated).
    public func gradients(_ given: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let inputs = try given.translating(FrameworkAlias.verl)
        let (c, zeroMasked) = try configuration(inputs)
        let b = try batch(inputs, as: Double.self)
        var g = try ppoPolicyLossBackward(b, configuration: c, lossGradient: scalarCotangent(cotangents, "loss"))
        if let r = cotangents["ratios"] { g = g + (try c.surrogate.perTokenRatiosBackward(b, ratiosGradient: r, zeroMasked: zeroMasked)) }
        if let l = cotangents["per_token_loss"] { g = g + (try c.surrogate.perTokenLossesBackward(b, lossesGradient: l, zeroMasked: zeroMasked)) }
        return ["log_probs": g]
    }
}
