import Tensor

/// The KL penalty to a frozen reference: estimator, clamps, coefficient β and the loss-form
/// reduction (Specs/KLPenalty.md, "Conventions and presets"). Defaults are seed 001's (k1, β = 0.2,
/// no clamps, `token_mean`).
public struct KLPenaltyConfiguration: Sendable, Equatable {
    /// The per-token estimator and its clamps.
    public var tokenEstimator: KLTokenEstimator
    /// β ≥ 0: weight of the penalty (seed 001 §5.1: 0.2).
    public var klCoef: Double
    /// Reduction of the per-token estimates in the loss form (KLPenalty-7).
    public var aggregation: LossAggregation
    /// Where the reward form adds each sequence's score (KLPenalty-6): on the last real token, or one
    /// position after it when the row has room (TRL PPO).
    public var placement: RewardPlacement

    public init(tokenEstimator: KLTokenEstimator = KLTokenEstimator(), klCoef: Double = 0.2,
                aggregation: LossAggregation = .tokenMean, placement: RewardPlacement = .lastToken) {
        self.tokenEstimator = tokenEstimator
        self.klCoef = klCoef
        self.aggregation = aggregation
        self.placement = placement
    }

    /// Throws `outOfRange` for a clamp ≤ 0, then `nonFinite` / `outOfRange` for β not a number ≥ 0.
    public func validate() throws {
        try tokenEstimator.validate()
        guard klCoef.isFinite else { throw InputError.nonFinite(argument: "kl_coef", index: []) }
        guard klCoef >= 0 else { throw InputError.outOfRange(argument: "kl_coef", value: klCoef, range: "[0, inf)") }
    }
}

extension KLPenaltyConfiguration {
    /// Seed 001 (k1, β = 0.2, no clamps): the default.
    public static let paper = KLPenaltyPreset.paper.configuration()
    /// TRL PPO (k1, β = 0.05, score one position after the last real token).
    public static let trl = KLPenaltyPreset.trl.configuration()
    /// verl (k3 with logr clamped to ±20 and the value to ±10, β = 0.001).
    public static let verl = KLPenaltyPreset.verl.configuration()
    /// OpenRLHF (k1 clamped to ±10, β = 0.01).
    public static let openRLHF = KLPenaltyPreset.openRLHF.configuration()
}

/// The frameworks whose KL-penalty conventions can be reproduced (Specs/KLPenalty.md, presets).
public enum KLPenaltyPreset: String, Sendable, CaseIterable {
    /// Seed 001 §5.1: k1, fixed β = 0.2, no clamps.
    case paper
    /// TRL 0.29.1 `PPOConfig` / `PPOTrainer.train`: k1, β = 0.05, no clamps, the score one position
    /// after the last real token (`actual_end = sequence_lengths + 1` when it fits).
    case trl
    /// verl `kl_penalty`: k3 (`low_var_kl`), β = 0.001; logr clamped to ±20 and the value to ±10,
    /// for k3 and k3_plus only.
    case verl
    /// OpenRLHF `compute_approx_kl` (snapshot 3c3be623): k1, β = 0.01, every estimator clamped to ±10.
    case openRLHF

    /// The preset's own estimator.
    public var estimator: KLEstimator { self == .verl ? .k3 : .k1 }

    /// The preset's configuration for `estimator` (its own when nil). verl's clamps follow the
    /// estimator finally chosen: they apply to k3 and k3_plus only.
    public func configuration(estimator: KLEstimator? = nil) -> KLPenaltyConfiguration {
        let e = estimator ?? self.estimator
        return switch self {
        case .paper: KLPenaltyConfiguration(tokenEstimator: KLTokenEstimator(e), klCoef: 0.2)
        case .trl: KLPenaltyConfiguration(tokenEstimator: KLTokenEstimator(e), klCoef: 0.05, placement: .afterLastToken)
        case .verl:
            KLPenaltyConfiguration(
                tokenEstimator: e == .k3 || e == .k3Plus
                    ? KLTokenEstimator(e, logRatioClamp: 20, klClamp: 10) : KLTokenEstimator(e),
                klCoef: 0.001)
        case .openRLHF: KLPenaltyConfiguration(tokenEstimator: KLTokenEstimator(e, klClamp: 10), klCoef: 0.01)
        }
    }
}

/// Outputs of the reward form of the KL penalty.
public struct KLPenalizedRewards<T: Scalar>: Sendable {
    /// [B,T]: `−β·kl` on valid tokens, plus the score on the last valid token (or the position after
    /// it, `placement` `.afterLastToken`); 0 at every other masked position.
    public var rewards: Tensor<T>
    /// [B,T]: the per-token estimates (0 where the mask is 0).
    public var kl: Tensor<T>
    /// [B]: Σ_t m·kl, the per-sequence KL to average for `AdaptiveKLController`'s `currentKL`.
    public var sequenceKL: Tensor<T>
}

/// KL as a per-token reward penalty (Specs/KLPenalty.md KLPenalty-6):
/// `rewards[b,t] = −β·kl[b,t]·m[b,t] + scores[b]·[t = t*_b]`, with `t*_b = max{t : m[b,t] = 1}`, or
/// `t*_b + 1` when `configuration.placement` is `.afterLastToken` and the row has room for it.
///
/// An all-masked row gets all-zero rewards and its score is not placed. Nothing here is
/// differentiated (rewards are data for the policy gradient).
/// - Throws: `InputError` for a bad configuration (clamps, β) or scores that are not [B] or not finite.
public func klPenalizedRewards<T: Scalar>(
    _ batch: KLTokenBatch<T>, scores: Tensor<T>, configuration: KLPenaltyConfiguration = .paper
) throws -> KLPenalizedRewards<T> {
    try configuration.validate()
    try requireShape(scores, [batch.rows], "scores")
    try requireFinite(scores, "scores")
    let kl = configuration.tokenEstimator.estimates(batch)
    let beta = T(configuration.klCoef)
    let penalties = kl.map { 0 - beta * $0 }   // 0 − x keeps masked entries +0, not −0
    let placed = try placeSequenceRewards(scores, rewards: penalties, mask: batch.mask, placement: configuration.placement)
    var sequenceKL = Tensor<T>(shape: [batch.rows])
    for b in 0..<batch.rows {
        for t in 0..<batch.columns { sequenceKL[b] += kl[b, t] }
    }
    return KLPenalizedRewards(rewards: placed.rewards, kl: kl, sequenceKL: sequenceKL)
}

/// KL as a loss term (Specs/KLPenalty.md KLPenalty-7): `L = β·aggregate(kl, m)` with the shared
/// `LossAggregation` modes. Returns the loss and the per-token estimates.
/// - Throws: `InputError` for a bad configuration (clamps, β).
public func klPenaltyLoss<T: Scalar>(
    _ batch: KLTokenBatch<T>, configuration: KLPenaltyConfiguration = .paper
) throws -> (loss: T, kl: Tensor<T>) {
    try configuration.validate()
    let kl = configuration.tokenEstimator.estimates(batch)
    return (T(configuration.klCoef) * configuration.aggregation.aggregate(kl, mask: batch.mask), kl)
}

/// Gradient of `klPenaltyLoss`: `∂L/∂logProbs[b,t] = lossGradient·β·w[b,t]·∂kl/∂logProbs` with `w`
/// the aggregation weights (Specs/KLPenalty.md, Gradient; straight-through for `k1_plus`/`k3_plus`).
/// - Throws: `InputError` for a bad configuration (clamps, β).
public func klPenaltyLossBackward<T: Scalar>(
    _ batch: KLTokenBatch<T>, configuration: KLPenaltyConfiguration = .paper, lossGradient: T = 1
) throws -> Tensor<T> {
    try configuration.validate()
    let scale = lossGradient * T(configuration.klCoef)
    let weights = configuration.aggregation.weights(mask: batch.mask).map { scale * $0 }
    return try configuration.tokenEstimator.estimatesBackward(batch, klGradient: weights)
}
