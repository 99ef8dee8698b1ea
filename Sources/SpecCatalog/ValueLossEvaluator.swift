import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/ValueLoss.md (input and output keys: the Spec's "Golden inputs and
/// outputs" section).
public struct ValueLossEvaluator: SpecEvaluator {
    public let spec = "ValueLoss"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with, and what each reproduces.
    public var presets: [PresetDescription] { PresetProvenance.describe(ValueLossConfiguration.presets, PresetProvenance.ppo) }

    /// Checks the Spec's error rules 1–3 (missing arrays, unknown preset or aggregation, missing
    /// `old_values` or normalizer); the numeric parameters are checked after the arrays.
    /// `zeroMasked`: the `zero_masked_outputs` input (default true).
    private func configuration(_ inputs: GoldenInputs) throws -> (ValueLossConfiguration, zeroMasked: Bool) {
        try inputs.require("values", "returns")
        var c = try inputs.preset(ValueLossConfiguration.presets, default: .paper)
        let zeroMasked = try inputs.bool("zero_masked_outputs") ?? true
        c.aggregation = try inputs.aggregation(default: c.aggregation)
        c.valueClip = try inputs.nullableNumber("value_clip", default: c.valueClip)
        if c.valueClip != nil { try inputs.require("old_values") }
        return (c, zeroMasked)
    }

    private func batch<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> ValueTokenBatch<T> {
        try ValueTokenBatch(values: inputs.tensor("values"), oldValues: inputs.optionalTensor("old_values"),
                            returns: inputs.tensor("returns"), mask: inputs.optionalTensor("mask"))
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        let (c, zeroMasked) = try configuration(inputs)
        let b = try batch(inputs, as: T.self)
        let r = try valueLoss(b, configuration: c)
        return ["loss": OutputValue(r.loss), "clip_fraction": OutputValue(r.clipFraction),
                "per_token_loss": OutputValue(try valueLossPerToken(b, configuration: c, zeroMasked: zeroMasked))]
    }

    /// ∂L/∂values for cotangents on `loss` and `per_token_loss` (the clip fraction is not differentiated).
    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let (c, zeroMasked) = try configuration(inputs)
        let b = try batch(inputs, as: Double.self)
        var g = try valueLossBackward(b, configuration: c, lossGradient: scalarCotangent(cotangents, "loss"))
        if let l = cotangents["per_token_loss"] { g = g + (try valueLossPerTokenBackward(b, configuration: c, lossesGradient: l,
                                                                                          zeroMasked: zeroMasked)) }
        return ["values": g]
    }
}
