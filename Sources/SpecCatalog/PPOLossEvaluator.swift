import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/PPOLoss.md (input and output keys: the Spec's "Golden inputs and
/// outputs" section).
public struct PPOLossEvaluator: SpecEvaluator {
    public let spec = "PPOLoss"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with, and what each reproduces.
    public var presets: [PresetDescription] { PresetProvenance.describe(PPOLossConfiguration.presets, PresetProvenance.ppo) }

    /// Checks the Spec's error rules 1–3 (missing arrays, unknown preset or aggregation, missing
    /// `old_values` or normalizer); the numeric parameters are checked after the arrays.
    private func configuration(_ inputs: GoldenInputs) throws -> PPOLossConfiguration {
        try inputs.require("log_probs", "old_log_probs", "advantages", "values", "returns", "entropy")
        var c = try inputs.preset(PPOLossConfiguration.presets, default: .paper)
        c.aggregation = try inputs.aggregation(default: c.aggregation)
        c.surrogate = try inputs.clippedSurrogate(over: c.surrogate)
        c.valueClip = try inputs.nullableNumber("value_clip", default: c.valueClip)
        c.valueCoef = try inputs.number("value_coef") ?? c.valueCoef
        c.entropyCoef = try inputs.number("entropy_coef") ?? c.entropyCoef
        if c.valueClip != nil { try inputs.require("old_values") }
        return c
    }

    private func batch<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> PPOLossBatch<T> {
        try PPOLossBatch(logProbs: inputs.tensor("log_probs"), oldLogProbs: inputs.tensor("old_log_probs"),
                         advantages: inputs.tensor("advantages"), values: inputs.tensor("values"),
                         oldValues: inputs.optionalTensor("old_values"), returns: inputs.tensor("returns"),
                         entropy: inputs.tensor("entropy"), mask: inputs.optionalTensor("mask"),
                         valueMask: inputs.optionalTensor("value_mask"))
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        let c = try configuration(inputs)
        let r = try ppoLoss(batch(inputs, as: T.self), configuration: c)
        return ["loss": OutputValue(r.loss), "policy_loss": OutputValue(r.policyLoss),
                "value_loss": OutputValue(r.valueLoss), "entropy": OutputValue(r.entropy)]
    }

    /// ∂L/∂log_probs, ∂L/∂values, ∂L/∂entropy for cotangents on any of the four outputs.
    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let c = try configuration(inputs)
        let b = try batch(inputs, as: Double.self)
        let g = try ppoLossBackward(b, configuration: c, lossGradient: scalarCotangent(cotangents, "loss"),
                                    policyLossGradient: scalarCotangent(cotangents, "policy_loss"),
                                    valueLossGradient: scalarCotangent(cotangents, "value_loss"),
                                    entropyGradient: scalarCotangent(cotangents, "entropy"))
        return ["log_probs": g.logProbs, "values": g.values, "entropy": g.entropy]
    }
}
