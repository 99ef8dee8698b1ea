import Tensor

/// How thought and action tokens are found (Specs/CoTLogProb.md, Definition 1 and 3).
public enum CoTSegmenting: String, Sendable, CaseIterable {
    /// The caller gives a thought mask and an action mask. The default.
    case masks
    /// RL4VLM's token-id rule (`rl4vlmSegments`, CoTLogProb-3).
    case rl4vlmMarker = "rl4vlm_marker"
}

/// Conventions of the λ-scaled chain-of-thought log-probability and of the sequence-level PPO loss
/// on it (Specs/CoTLogProb.md, "Conventions and presets").
public struct CoTLogProbConfiguration: Sendable, Equatable {
    public var segmenting: CoTSegmenting
    /// λ ∈ [0, 1], the scale of the thought log-probability (default 0.5).
    public var thoughtCoefficient: Double
    /// Round log-probs, segment sums, λ·θ and S to bfloat16 as RL4VLM does (CoTLogProb-4).
    public var roundsToBFloat16: Bool
    /// Read in `.rl4vlmMarker` mode only.
    public var markerRule: RL4VLMMarkerRule
    /// ε ≥ 0 of the sequence-level clipped loss.
    public var clipEpsilon: Double
    /// RL4VLM's guard (> 0): when any ratio exceeds it, every row uses the clipped surrogate alone.
    /// nil: off.
    public var ratioGuard: Double?

    public init(segmenting: CoTSegmenting = .masks, thoughtCoefficient: Double = 0.5, roundsToBFloat16: Bool = false,
                markerRule: RL4VLMMarkerRule = RL4VLMMarkerRule(), clipEpsilon: Double = 0.1, ratioGuard: Double? = nil) {
        self.segmenting = segmenting
        self.thoughtCoefficient = thoughtCoefficient
        self.roundsToBFloat16 = roundsToBFloat16
        self.markerRule = markerRule
        self.clipEpsilon = clipEpsilon
        self.ratioGuard = ratioGuard
    }

    /// Seed 002's formula on caller-given segments, λ = 0.5, ε = 0.1, no guard, no rounding.
    public static let paper = CoTLogProbConfiguration()
    /// RL4VLM's `llava_evaluate` + `PPO.update` + GymCards scripts at commit 74236ab (2024-08-29) and
    /// later: marker rule with one required match, bfloat16, λ = 0.5, ε = 0.1, ratio guard 10.
    public static let rl4vlm = CoTLogProbConfiguration(
        segmenting: .rl4vlmMarker, roundsToBFloat16: true, markerRule: RL4VLMMarkerRule(minimumMatches: 1), ratioGuard: 10)
    /// RL4VLM as released (commit 202229a, 2024-05-15) until 74236ab: as `rl4vlm`, but the marker is used
    /// only when it occurs at least twice.
    public static let rl4vlm20240515 = CoTLogProbConfiguration(
        segmenting: .rl4vlmMarker, roundsToBFloat16: true, markerRule: RL4VLMMarkerRule(minimumMatches: 2), ratioGuard: 10)

    /// The presets by their golden-file names.
    public static let presets: [String: CoTLogProbConfiguration] = [
        "paper": .paper, "rl4vlm": .rl4vlm, "rl4vlm-2024-05-15": .rl4vlm20240515]

    /// Throws, in this order, `nonFinite` (λ, ε, guard), the `invalidArgument` errors of the marker
    /// rule (marker mode only), `outOfRange` (λ outside [0, 1], ε < 0, guard ≤ 0), then the
    /// `outOfRange` errors of the marker rule.
    public func validate() throws {
        let named = [(thoughtCoefficient, "thought_coef"), (clipEpsilon, "clip_epsilon"), (ratioGuard ?? 1, "ratio_guard")]
        for (value, name) in named where !value.isFinite { throw InputError.nonFinite(argument: name, index: []) }
        if segmenting == .rl4vlmMarker { try markerRule.validateCounts() }
        try requireInRange(thoughtCoefficient, 0...1, "thought_coef")
        guard clipEpsilon >= 0 else { throw InputError.outOfRange(argument: "clip_epsilon", value: clipEpsilon, range: "[0, inf)") }
        if let ratioGuard, ratioGuard <= 0 {
            throw InputError.outOfRange(argument: "ratio_guard", value: ratioGuard, range: "(0, inf)")
        }
        if segmenting == .rl4vlmMarker { try markerRule.validateIDs() }
    }
}

/// Where a row's thought and action segments come from.
public enum CoTSegmentSource: Sendable, Equatable {
    /// Caller-given masks.
    case masks
    /// The last occurrence of the action marker (golden code 0).
    case marker
    /// RL4VLM's last-tokens fallback (golden code 1).
    case fallback
    /// Too short: RL4VLM's constants S = −2, α = −1, θ = 0 with no gradient (golden code 2).
    case constants
}

/// Thought mask τ and action mask κ of a [B, T] batch, and where each row's segments come from.
public struct CoTSegments<T: Scalar>: Sendable {
    /// τ [B,T], 0/1.
    public var thoughtMask: Tensor<T>
    /// κ [B,T], 0/1, disjoint from τ.
    public var actionMask: Tensor<T>
    /// [B].
    public var sources: [CoTSegmentSource]

    /// Caller-given segments (Specs/CoTLogProb.md CoTLogProb-1, `segmenting = "masks"`).
    /// - Throws: `shapeMismatch` (not rank 2, or the masks' shapes differ), `nonFinite`, then
    ///   `invalidArgument` for an entry other than 0/1 or a position in both masks.
    public init(thoughtMask: Tensor<T>, actionMask: Tensor<T>) throws {
        guard thoughtMask.rank == 2 else {
            throw InputError.shapeMismatch(argument: "thought_mask", expected: [-1, -1], actual: thoughtMask.shape)
        }
        try requireShape(actionMask, thoughtMask.shape, "action_mask")
        try requireFinite(thoughtMask, "thought_mask")
        try requireFinite(actionMask, "action_mask")
        try requireBinary(thoughtMask, "thought_mask")
        try requireBinary(actionMask, "action_mask")
        if let i = thoughtMask.elements.indices.first(where: { thoughtMask.elements[$0] != 0 && actionMask.elements[$0] != 0 }) {
            throw InputError.invalidArgument(argument: "action_mask",
                                             reason: "position \(thoughtMask.index(ofFlat: i)) is in both the thought and the action mask")
        }
        self.init(thoughtMask: thoughtMask, actionMask: actionMask, sources: Array(repeating: .masks, count: thoughtMask.shape[0]))
    }

    init(thoughtMask: Tensor<T>, actionMask: Tensor<T>, sources: [CoTSegmentSource]) {
        self.thoughtMask = thoughtMask
        self.actionMask = actionMask
        self.sources = sources
    }
}

/// θ, α and S per row.
public struct CoTLogProbs<T: Scalar>: Sendable {
    /// θ_b = Σ τ·ℓ̃ [B].
    public var thoughtLogProbs: Tensor<T>
    /// α_b = Σ κ·ℓ̃ [B].
    public var actionLogProbs: Tensor<T>
    /// S_b = λ·θ_b + α_b [B]: RL4VLM's "log π(a_t)".
    public var sequenceLogProbs: Tensor<T>
}

/// RL4VLM's constants for a row too short to segment (Specs/CoTLogProb.md, Definition 3).
private let constantActionLogProb = -1.0
private let constantSequenceLogProb = -2.0

/// The λ-scaled chain-of-thought log-probability of each row's action.
///
/// Implements Specs/CoTLogProb.md CoTLogProb-1 (segment sums θ_b = Σ_t τ·ℓ̃, α_b = Σ_t κ·ℓ̃),
/// CoTLogProb-2 (S_b = λ·θ_b + α_b) and, with `roundsToBFloat16`, CoTLogProb-4 (ℓ̃ = bf16(ℓ),
/// θ = bf16(Σ τℓ̃), α = bf16(Σ κℓ̃), S = bf16(bf16(λθ) + α), the sums accumulated in Double so that
/// each value is rounded once from its exact value). Rows of source `.constants` give θ = 0,
/// α = −1, S = −2. Positions in neither mask contribute nothing.
/// - Throws: `empty` for B = 0, `shapeMismatch` (`logProbs` not rank 2 or not the masks' shape),
///   `nonFinite` for NaN/±inf in `logProbs`, then the errors of `configuration.validate()`.
public func chainOfThoughtLogProbs<T: Scalar>(
    _ logProbs: Tensor<T>, segments: CoTSegments<T>, configuration: CoTLogProbConfiguration = .paper
) throws -> CoTLogProbs<T> {
    try validateCoTInputs(logProbs, segments)
    try configuration.validate()
    let (rows, columns) = (logProbs.shape[0], logProbs.shape[1])
    let lambda = configuration.thoughtCoefficient
    var out = CoTLogProbs(thoughtLogProbs: Tensor<T>(shape: [rows]), actionLogProbs: Tensor<T>(shape: [rows]),
                          sequenceLogProbs: Tensor<T>(shape: [rows]))
    for b in 0..<rows {
        if segments.sources[b] == .constants {
            out.actionLogProbs[b] = T(constantActionLogProb)
            out.sequenceLogProbs[b] = T(constantSequenceLogProb)
            continue
        }
        if configuration.roundsToBFloat16 {
            var (thought, action) = (0.0, 0.0)
            for t in 0..<columns {
                let l = bfloat16Rounded(Double(logProbs[b, t]))
                if segments.thoughtMask[b, t] != 0 { thought += l }
                if segments.actionMask[b, t] != 0 { action += l }
            }
            thought = bfloat16Rounded(thought)
            action = bfloat16Rounded(action)
            out.thoughtLogProbs[b] = T(thought)
            out.actionLogProbs[b] = T(action)
            out.sequenceLogProbs[b] = T(bfloat16Rounded(bfloat16Rounded(lambda * thought) + action))
        } else {
            var (thought, action): (T, T) = (0, 0)
            for t in 0..<columns {
                if segments.thoughtMask[b, t] != 0 { thought += logProbs[b, t] }
                if segments.actionMask[b, t] != 0 { action += logProbs[b, t] }
            }
            out.thoughtLogProbs[b] = thought
            out.actionLogProbs[b] = action
            out.sequenceLogProbs[b] = T(lambda) * thought + action
        }
    }
    return out
}

/// Vector–Jacobian product of `chainOfThoughtLogProbs`: ∂L/∂ℓ_{b,t} = τ_{b,t}·(ḡθ_b + λ·ḡS_b) +
/// κ_{b,t}·(ḡα_b + ḡS_b) (Specs/CoTLogProb.md, "Gradient"). bfloat16 rounding is straight-through
/// (derivative 1); rows of source `.constants` have no gradient (their masks are empty). Absent
/// cotangents are 0.
/// - Throws: `shapeMismatch` for a cotangent not [B], and the errors of `configuration.validate()`.
public func chainOfThoughtLogProbsBackward<T: Scalar>(
    segments: CoTSegments<T>, configuration: CoTLogProbConfiguration = .paper, thoughtGradient: Tensor<T>? = nil,
    actionGradient: Tensor<T>? = nil, sequenceGradient: Tensor<T>? = nil
) throws -> Tensor<T> {
    try configuration.validate()
    let shape = segments.thoughtMask.shape
    let rows = shape[0]
    let (gThought, gAction, gSequence) = (thoughtGradient ?? Tensor(shape: [rows]), actionGradient ?? Tensor(shape: [rows]),
                                          sequenceGradient ?? Tensor(shape: [rows]))
    try requireShape(gThought, [rows], "thought_log_probs cotangent")
    try requireShape(gAction, [rows], "action_log_probs cotangent")
    try requireShape(gSequence, [rows], "sequence_log_probs cotangent")
    let lambda = T(configuration.thoughtCoefficient)
    var gradient = Tensor<T>(shape: shape)
    for b in 0..<rows where segments.sources[b] != .constants {
        let thoughtWeight = gThought[b] + lambda * gSequence[b]
        let actionWeight = gAction[b] + gSequence[b]
        for t in 0..<shape[1] {
            if segments.thoughtMask[b, t] != 0 { gradient[b, t] = thoughtWeight }
            if segments.actionMask[b, t] != 0 { gradient[b, t] = actionWeight }
        }
    }
    return gradient
}

/// The errors of `chainOfThoughtLogProbs` about `logProbs`, in the Spec's order.
private func validateCoTInputs<T: Scalar>(_ logProbs: Tensor<T>, _ segments: CoTSegments<T>) throws {
    guard logProbs.shape.first != 0 else { throw InputError.empty(argument: "log_probs", reason: "the batch has no row") }
    guard logProbs.rank == 2 else {
        throw InputError.shapeMismatch(argument: "log_probs", expected: [-1, -1], actual: logProbs.shape)
    }
    try requireShape(segments.thoughtMask, logProbs.shape, "thought_mask")
    try requireShape(segments.actionMask, logProbs.shape, "action_mask")
    try requireFinite(logProbs, "log_probs")
}
