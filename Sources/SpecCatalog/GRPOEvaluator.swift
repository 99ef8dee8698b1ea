import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/GRPO.md (input and output keys: the Spec's "Golden inputs and
/// outputs" section). The `form` key selects the equation group: `advantages` (GRPO-1, the
/// default), `clipped` (GRPO-2), `seed_literal` (GRPO-3), `corrected` (GRPO-4).
public struct GRPOEvaluator: SpecEvaluator {
    public let spec = "GRPO"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with, and what each reproduces.
    public var presets: [PresetDescription] { PresetProvenance.describe(Dictionary(uniqueKeysWithValues: GRPOPreset.allCases.map { ($0.rawValue, "\($0.normalization); \($0.lossConfiguration())") }), PresetProvenance.grpo) }

    /// The `form` values `evaluate` dispatches on (`rlref describe`).
    public var forms: [String] { Form.allCases.map(\.rawValue) }

    private enum Form: String, CaseIterable {
        case advantages, clipped, corrected
        case seedLiteral = "seed_literal"
    }

    /// GRPO-1's conventions: the preset's, then explicit keys.
    private func normalization(_ inputs: GoldenInputs, _ preset: GRPOPreset) throws -> GroupNormalization {
        var n = preset.normalization
        n.variance = try inputs.convention("std", default: n.variance)
        n.epsilonPlacement = try inputs.convention("epsilon_placement", default: n.epsilonPlacement)
        n.scale = try inputs.convention("scale", default: n.scale)
        n.singletonGroup = try inputs.convention("singleton_group", default: n.singletonGroup)
        n.epsilon = try inputs.number("epsilon") ?? n.epsilon
        return n
    }

    /// `group_size` or `group_ids` (exclusive), or one group of all samples.
    private func grouping(_ inputs: GoldenInputs) throws -> SampleGrouping {
        switch (try inputs.integer("group_size"), try inputs.integers("group_ids")) {
        case (.some, .some):
            throw InputError.invalidArgument(argument: "group_ids", reason: "group_size and group_ids are exclusive")
        case (let size?, nil): .consecutive(size: size)
        case (nil, let labels?): .labels(labels)
        case (nil, nil): .single
        }
    }

    /// GRPO-2's conventions: the preset's (its KL clamps following the final estimator), then
    /// explicit keys; an explicit `null` removes a preset's option.
    private func lossConfiguration(_ inputs: GoldenInputs, _ preset: GRPOPreset) throws -> GRPOLossConfiguration {
        var c = preset.lossConfiguration(klEstimator: try inputs.convention("kl_estimator", default: preset.klEstimator))
        c.aggregation = try inputs.aggregation(default: c.aggregation)
        c.surrogate = try inputs.clippedSurrogate(over: c.surrogate)
        c.klCoef = try inputs.number("kl_coef") ?? c.klCoef
        c.klBiasCorrection = try inputs.bool("kl_bias_correction") ?? c.klBiasCorrection
        c.klEstimator.logRatioClamp = try inputs.nullableNumber("kl_log_ratio_clamp", default: c.klEstimator.logRatioClamp)
        c.klEstimator.klClamp = try inputs.nullableNumber("kl_clamp", default: c.klEstimator.klClamp)
        try c.validate()
        return c
    }

    private func tokenBatch<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> GRPOTokenBatch<T> {
        try inputs.require("log_probs", "advantages")
        return try GRPOTokenBatch(logProbs: inputs.tensor("log_probs"), oldLogProbs: inputs.optionalTensor("old_log_probs"),
                                  advantages: inputs.tensor("advantages"), refLogProbs: inputs.optionalTensor("ref_log_probs"),
                                  mask: inputs.optionalTensor("mask"))
    }

    /// The inputs of GRPO-1, shared by GRPO-3 and GRPO-4.
    private struct Samples<T: Scalar> {
        var scores: Tensor<T>
        var grouping: SampleGrouping
        var normalization: GroupNormalization
    }

    private func samples<T: Scalar>(_ inputs: GoldenInputs, _ preset: GRPOPreset, as: T.Type) throws -> Samples<T> {
        let normalization = try normalization(inputs, preset)
        try normalization.validate()
        return Samples(scores: try inputs.tensor("scores"), grouping: try grouping(inputs), normalization: normalization)
    }

    public func evaluate<T: Scalar>(_ given: GoldenInputs, as: T.Type) throws -> Outputs {
        let inputs = try given.translating(FrameworkAlias.trl + FrameworkAlias.verl)
        let preset = try inputs.convention("preset", default: GRPOPreset.paper)
        switch try inputs.convention("form", default: Form.advantages) {
        case .advantages:
            let s = try samples(inputs, preset, as: T.self)
            return ["advantages": OutputValue(try groupNormalizedAdvantages(s.scores, grouping: s.grouping,
                                                                             normalization: s.normalization))]
        case .clipped:
            let c = try lossConfiguration(inputs, preset)
            let r = try grpoClippedLoss(tokenBatch(inputs, as: T.self), configuration: c)
            return ["loss": OutputValue(r.loss), "per_token_loss": OutputValue(r.perTokenLoss)]
        case .seedLiteral:
            let s = try samples(inputs, preset, as: T.self)
            try inputs.require("mle_log_probs")
            let r = try seedLiteralGRPOLoss(scores: s.scores, grouping: s.grouping, normalization: s.normalization,
                                            mleLogProbs: inputs.tensor("mle_log_probs"), mleMask: inputs.optionalTensor("mle_mask"),
                                            sampleLogProbs: inputs.optionalTensor("log_probs"))
            return ["loss": OutputValue(r.loss), "mle_loss": OutputValue(r.mleLoss),
                    "normalized_rewards": OutputValue(r.normalizedRewards)]
        case .corrected:
            let s = try samples(inputs, preset, as: T.self)
            try inputs.require("log_probs")
            let r = try correctedGRPOLoss(scores: s.scores, grouping: s.grouping, normalization: s.normalization,
                                          logProbs: inputs.tensor("log_probs"), mask: inputs.optionalTensor("mask"))
            return ["loss": OutputValue(r.loss), "normalized_rewards": OutputValue(r.normalizedRewards)]
        }
    }

    /// ∂L/∂log_probs (GRPO-2, GRPO-4), ∂L/∂mle_log_probs and ∂L/∂log_probs (GRPO-3) for a cotangent on
    /// `loss`; GRPO-1's advantages are constants (no gradient).
    public func gradients(_ given: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let inputs = try given.translating(FrameworkAlias.trl + FrameworkAlias.verl)
        let preset = try inputs.convention("preset", default: GRPOPreset.paper)
        let lossCotangent = try scalarCotangent(cotangents, "loss")
        switch try inputs.convention("form", default: Form.advantages) {
        case .advantages:
            return [:]
        case .clipped:
            let c = try lossConfiguration(inputs, preset)
            return ["log_probs": try grpoClippedLossBackward(tokenBatch(inputs, as: Double.self), configuration: c,
                                                              lossGradient: lossCotangent)]
        case .seedLiteral:
            let s = try samples(inputs, preset, as: Double.self)
            try inputs.require("mle_log_probs")
            let g = try seedLiteralGRPOLossBackward(
                scores: s.scores, grouping: s.grouping, normalization: s.normalization,
                mleLogProbs: inputs.tensor("mle_log_probs"), mleMask: inputs.optionalTensor("mle_mask"),
                sampleLogProbs: inputs.optionalTensor("log_probs"), lossGradient: lossCotangent)
            var out = ["mle_log_probs": g.mleLogProbs]
            if let sample = g.sampleLogProbs { out["log_probs"] = sample }
            return out
        case .corrected:
            let s = try samples(inputs, preset, as: Double.self)
            try inputs.require("log_probs")
            return ["log_probs": try correctedGRPOLossBackward(
                scores: s.scores, grouping: s.grouping, normalization: s.normalization,
                logProbs: inputs.tensor("log_probs"), mask: inputs.optionalTensor("mask"), lossGradient: lossCotangent)]
        }
    }
}
