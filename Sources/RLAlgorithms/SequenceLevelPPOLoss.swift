import Tensor

/// RL4VLM's PPO clipped loss on one ratio per generated text (not per token), as used with the
/// λ-scaled chain-of-thought log-probability. The token-level loss is Specs/PPOPolicyLoss.md.
public struct SequenceLevelPPOLoss<T: Scalar>: Sendable {
    /// r_b = exp(S_b − S^old_b) [B]; may be +inf (no log-ratio clamp).
    public var ratios: Tensor<T>
    /// (1/B)·Σ_b l_b; +inf when an A < 0 row's ratio overflows, never NaN.
    public var loss: T
    /// Whether the ratio guard fired (some r_b > guard), switching every row to the clipped term.
    public var guardTriggered: Bool
    /// [B]: whether ∂l_b/∂S_b = −A_b·r_b (unclipped, boundary included) rather than 0.
    public var unclipped: [Bool]
}

/// The sequence-level clipped policy loss of RL4VLM's `PPO.update`.
///
/// Implements Specs/CoTLogProb.md CoTLogProb-5: r_b = exp(S_b − S^old_b);
/// l_b = −A_b·min(r_b, 1+ε) for A_b > 0, −A_b·max(r_b, 1−ε) for A_b < 0, 0 for A_b = 0 (the
/// max(−A·r, −A·clip(r)) form without forming 0·∞); when `ratioGuard` is set and some r_b exceeds
/// it, every row uses l_b = −A_b·clip(r_b, 1−ε, 1+ε) (A_b = 0 rows give 0); loss = (1/B)·Σ_b l_b.
/// - Throws: `shapeMismatch` (`oldSequenceLogProbs` or `advantages` not the shape [B] of
///   `sequenceLogProbs`), `nonFinite` (old log-probs, advantages, ε, guard), then `outOfRange`
///   (ε < 0, guard ≤ 0).
public func sequenceLevelPPOLoss<T: Scalar>(
    sequenceLogProbs: Tensor<T>, oldSequenceLogProbs: Tensor<T>, advantages: Tensor<T>,
    clipEpsilon: Double = 0.1, ratioGuard: Double? = nil
) throws -> SequenceLevelPPOLoss<T> {
    guard sequenceLogProbs.rank == 1 else {
        throw InputError.shapeMismatch(argument: "sequence_log_probs", expected: [-1], actual: sequenceLogProbs.shape)
    }
    let rows = sequenceLogProbs.count
    try requireShape(oldSequenceLogProbs, [rows], "old_sequence_log_probs")
    try requireShape(advantages, [rows], "advantages")
    try requireFinite(oldSequenceLogProbs, "old_sequence_log_probs")
    try requireFinite(advantages, "advantages")
    for (value, name) in [(clipEpsilon, "clip_epsilon"), (ratioGuard ?? 1, "ratio_guard")] where !value.isFinite {
        throw InputError.nonFinite(argument: name, index: [])
    }
    guard clipEpsilon >= 0 else { throw InputError.outOfRange(argument: "clip_epsilon", value: clipEpsilon, range: "[0, inf)") }
    if let ratioGuard, ratioGuard <= 0 { throw InputError.outOfRange(argument: "ratio_guard", value: ratioGuard, range: "(0, inf)") }

    let ratios = sequenceLogProbs.zipMap(oldSequenceLogProbs) { T.exp($0 - $1) }
    let (low, high) = (1 - T(clipEpsilon), 1 + T(clipEpsilon))
    let triggered = ratioGuard.map { g in ratios.elements.contains { $0 > T(g) } } ?? false
    var total: T = 0
    var unclipped = Array(repeating: false, count: rows)
    for b in 0..<rows {
        let (a, r) = (advantages[b], ratios[b])
        guard a != 0 else { continue }
        if triggered {
            total += -a * min(max(r, low), high)
            unclipped[b] = r >= low && r <= high
        } else if a > 0 {
            total += -a * min(r, high)
            unclipped[b] = r <= high
        } else {
            total += -a * max(r, low)
            unclipped[b] = r >= low
        }
    }
    return SequenceLevelPPOLoss(ratios: ratios, loss: rows > 0 ? total / T(rows) : 0, guardTriggered: triggered,
                                unclipped: unclipped)
}

/// ∂L/∂S of `sequenceLevelPPOLoss` for L = <ḡr, ratios> + ḡ·loss: ḡr_b·r_b + ḡ·(1/B)·(−A_b·r_b) on
/// unclipped rows, ḡr_b·r_b elsewhere (Specs/CoTLogProb.md, "Gradient": the clip boundary counts as
/// unclipped; A_b = 0 rows have no loss gradient). The guard switch itself is not differentiated.
/// - Throws: the errors of `sequenceLevelPPOLoss`, and `shapeMismatch` for a ratios cotangent not [B].
public func sequenceLevelPPOLossBackward<T: Scalar>(
    sequenceLogProbs: Tensor<T>, oldSequenceLogProbs: Tensor<T>, advantages: Tensor<T>,
    clipEpsilon: Double = 0.1, ratioGuard: Double? = nil, ratiosGradient: Tensor<T>? = nil, lossGradient: T = 0
) throws -> Tensor<T> {
    let forward = try sequenceLevelPPOLoss(sequenceLogProbs: sequenceLogProbs, oldSequenceLogProbs: oldSequenceLogProbs,
                                           advantages: advantages, clipEpsilon: clipEpsilon, ratioGuard: ratioGuard)
    let rows = sequenceLogProbs.count
    let gRatios = ratiosGradient ?? Tensor(shape: [rows])
    try requireShape(gRatios, [rows], "ratios cotangent")
    var gradient = Tensor<T>(shape: [rows])
    for b in 0..<rows {
        let r = forward.ratios[b]
        var g: T = gRatios[b] != 0 ? gRatios[b] * r : 0
        if forward.unclipped[b] && lossGradient != 0 { g += lossGradient * (-advantages[b] * r) / T(rows) }
        gradient[b] = g
    }
    return gradient
}
