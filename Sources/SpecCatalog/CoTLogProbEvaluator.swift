import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/CoTLogProb.md (input and output keys: the Spec's "Golden inputs and
/// outputs" section). Gradients are taken with respect to `log_probs`.
public struct CoTLogProbEvaluator: SpecEvaluator {
    public let spec = "CoTLogProb"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with, and what each reproduces.
    public var presets: [PresetDescription] { PresetProvenance.describe(CoTLogProbConfiguration.presets, PresetProvenance.cot) }

    /// A parsed case: log-probs, segments, conventions and the optional PPO inputs.
    private struct Problem<T: Scalar> {
        var logProbs: Tensor<T>
        var segments: CoTSegments<T>
        var configuration: CoTLogProbConfiguration
        var ppo: (old: Tensor<T>, advantages: Tensor<T>)?
    }

    /// What a case segments by: token ids (marker mode) or the caller's masks.
    private enum SegmentationInput<T: Scalar> {
        case tokens(Tensor<Double>)
        case masks(thought: Tensor<T>, action: Tensor<T>)
    }

    /// Parses in the Spec's error order: conventions, missing inputs, an empty batch, shapes, then
    /// the library's checks (finiteness, 0/1 masks and integral ids, ranges).
    private func problem<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Problem<T> {
        var c = try inputs.preset(CoTLogProbConfiguration.presets, default: .paper)
        c.segmenting = try inputs.convention("segmenting", default: c.segmenting)
        if let v = try inputs.number("thought_coef") { c.thoughtCoefficient = v }
        if let v = try inputs.bool("round_to_bfloat16") { c.roundsToBFloat16 = v }
        if let v = try inputs.number("clip_epsilon") { c.clipEpsilon = v }
        if let v = try inputs.number("ratio_guard") { c.ratioGuard = v }
        if let v = try inputs.integers("action_marker_ids") { c.markerRule.actionMarkerIDs = v }
        if let v = try inputs.integer("pad_id") { c.markerRule.padID = v }
        if let v = try inputs.integer("marker_min_matches") { c.markerRule.minimumMatches = v }
        if let v = try inputs.integer("fallback_tokens") { c.markerRule.fallbackTokens = v }

        let marker = c.segmenting == .rl4vlmMarker
        let required = ["log_probs"] + (marker ? ["tokens"] : ["thought_mask", "action_mask"])
        for key in required where !inputs.contains(key) { throw InputError.missingInput(argument: key) }
        if inputs.contains("old_sequence_log_probs") != inputs.contains("advantages") {
            throw InputError.missingInput(argument: inputs.contains("advantages") ? "old_sequence_log_probs" : "advantages")
        }
        let logProbs: Tensor<T> = try inputs.tensor("log_probs")
        guard logProbs.shape.first != 0 else { throw InputError.empty(argument: "log_probs", reason: "the batch has no row") }
        guard logProbs.rank == 2 else {
            throw InputError.shapeMismatch(argument: "log_probs", expected: [-1, -1], actual: logProbs.shape)
        }
        let rows = logProbs.shape[0]
        let segmentation: SegmentationInput<T>
        if marker {
            let tokens: Tensor<Double> = try inputs.tensor("tokens")   // ids stay exact whatever T is
            try requireShape(tokens, logProbs.shape, "tokens")
            segmentation = .tokens(tokens)
        } else {
            let (thought, action): (Tensor<T>, Tensor<T>) = (try inputs.tensor("thought_mask"), try inputs.tensor("action_mask"))
            try requireShape(thought, logProbs.shape, "thought_mask")
            try requireShape(action, logProbs.shape, "action_mask")
            segmentation = .masks(thought: thought, action: action)
        }
        var ppo: (Tensor<T>, Tensor<T>)?
        if let old: Tensor<T> = try inputs.optionalTensor("old_sequence_log_probs") {
            let advantages: Tensor<T> = try inputs.tensor("advantages")
            try requireShape(old, [rows], "old_sequence_log_probs")
            try requireShape(advantages, [rows], "advantages")
            ppo = (old, advantages)
        }
        try requireFinite(logProbs, "log_probs")
        if let (old, advantages) = ppo {
            try requireFinite(old, "old_sequence_log_probs")
            try requireFinite(advantages, "advantages")
        }
        let segments: CoTSegments<T>
        switch segmentation {
        case .tokens(let tokens):
            let ids = try TokenIDs(tokens)
            try c.validate()
            segments = try rl4vlmSegments(ids, rule: c.markerRule)
        case .masks(let thought, let action):
            segments = try CoTSegments(thoughtMask: thought, actionMask: action)
            try c.validate()
        }
        return Problem(logProbs: logProbs, segments: segments, configuration: c, ppo: ppo)
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        let p = try problem(inputs, as: T.self)
        let r = try chainOfThoughtLogProbs(p.logProbs, segments: p.segments, configuration: p.configuration)
        var out: Outputs = ["thought_log_probs": OutputValue(r.thoughtLogProbs), "action_log_probs": OutputValue(r.actionLogProbs),
                            "sequence_log_probs": OutputValue(r.sequenceLogProbs)]
        if p.configuration.segmenting == .rl4vlmMarker {
            out["thought_mask"] = OutputValue(p.segments.thoughtMask)
            out["action_mask"] = OutputValue(p.segments.actionMask)
            out["segment_source"] = OutputValue(Tensor<T>(p.segments.sources.map(Self.sourceCode)))
        }
        if let (old, advantages) = p.ppo {
            let loss = try sequenceLevelPPOLoss(sequenceLogProbs: r.sequenceLogProbs, oldSequenceLogProbs: old, advantages: advantages,
                                                clipEpsilon: p.configuration.clipEpsilon, ratioGuard: p.configuration.ratioGuard)
            out["ratios"] = OutputValue(loss.ratios)
            out["policy_loss"] = OutputValue(loss.loss)
        }
        return out
    }

    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let p = try problem(inputs, as: Double.self)
        var sequenceGradient = cotangents["sequence_log_probs"] ?? Tensor(shape: [p.logProbs.shape[0]])
        if let (old, advantages) = p.ppo {
            let r = try chainOfThoughtLogProbs(p.logProbs, segments: p.segments, configuration: p.configuration)
            sequenceGradient = sequenceGradient + (try sequenceLevelPPOLossBackward(
                sequenceLogProbs: r.sequenceLogProbs, oldSequenceLogProbs: old, advantages: advantages,
                clipEpsilon: p.configuration.clipEpsilon, ratioGuard: p.configuration.ratioGuard,
                ratiosGradient: cotangents["ratios"], lossGradient: cotangents["policy_loss"]?.elements.first ?? 0))
        }
        let g = try chainOfThoughtLogProbsBackward(segments: p.segments, configuration: p.configuration,
                                                   thoughtGradient: cotangents["thought_log_probs"],
                                                   actionGradient: cotangents["action_log_probs"],
                                                   sequenceGradient: sequenceGradient)
        return ["log_probs": g]
    }

    /// The golden code of a row's source: 0 marker, 1 fallback, 2 constants.
    private static func sourceCode<T: Scalar>(_ source: CoTSegmentSource) -> T {
        switch source {
        case .marker, .masks: 0
        case .fallback: 1
        case .constants: 2
        }
    }
}
