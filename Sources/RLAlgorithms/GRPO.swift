import Tensor

/// Conventions of GRPO's clipped token-level objective (Specs/GRPO.md GRPO-2, "Conventions and
/// presets"). Defaults: clip 0.2, no dual clip or ratio clamp, no KL term (seed 003 has none; k3 if
/// enabled), GRPO's per-sequence mean `seq_mean_token_mean`.
public struct GRPOLossConfiguration: Sendable, Equatable {
    /// The per-token clipped surrogate, shared with PPO (Specs/PPOPolicyLoss.md PPOPolicyLoss-1…3).
    public var surrogate: ClippedSurrogate
    /// β ≥ 0: weight of the per-token KL to the reference policy, added inside the aggregation.
    public var klCoef: Double
    /// The per-token KL estimator and its clamps (Specs/KLPenalty.md KLPenalty-1…5).
    public var klEstimator: KLTokenEstimator
    /// Multiply the per-token KL by the differentiable importance ratio exp(log π_θ − log π_old)
    /// (GRPO-5; TRL `use_bias_correction_kl`, default true from TRL 1.16.0).
    public var klBiasCorrection: Bool
    /// The reduction of the per-token losses (PPOPolicyLoss-4 modes).
    public var aggregation: LossAggregation

    public init(surrogate: ClippedSurrogate = ClippedSurrogate(), klCoef: Double = 0,
                klEstimator: KLTokenEstimator = KLTokenEstimator(.k3), klBiasCorrection: Bool = false,
                aggregation: LossAggregation = .sequenceMeanOfTokenMeans) {
        self.surrogate = surrogate
        self.klCoef = klCoef
        self.klEstimator = klEstimator
        self.klBiasCorrection = klBiasCorrection
        self.aggregation = aggregation
    }

    /// Throws `nonFinite` for a non-finite clip parameter, β or normalizer, then `outOfRange` for the
    /// PPOPolicyLoss clip rules, β < 0, a KL clamp ≤ 0 (named `kl_log_ratio_clamp` / `kl_clamp`) or a
    /// normalizer ≤ 0.
    public func validate() throws {
        try surrogate.validateFiniteness()
        guard klCoef.isFinite else { throw InputError.nonFinite(argument: "kl_coef", index: []) }
        try aggregation.validateFiniteness()
        try surrogate.validate()
        guard klCoef >= 0 else { throw InputError.outOfRange(argument: "kl_coef", value: klCoef, range: "[0, inf)") }
        do {
            try klEstimator.validate()
        } catch InputError.outOfRange(let argument, let value, let range) {
            // GRPO's `log_ratio_clamp` is the ratio clamp; the KL estimator's clamps carry a `kl_` prefix.
            throw InputError.outOfRange(argument: argument.hasPrefix("kl_") ? argument : "kl_" + argument,
                                        value: value, range: range)
        }
        try aggregation.validate()
    }
}

/// The frameworks whose GRPO conventions can be reproduced (Specs/GRPO.md, presets).
public enum GRPOPreset: String, Sendable, CaseIterable {
    /// Seed 003 Algorithm 1 for the advantages (population std, ε = 1e-8 outside); PPO's clip 0.2,
    /// no KL and GRPO's per-sequence mean for the clipped objective.
    case paper
    /// TRL 1.16.0 `GRPOTrainer`: unbiased std, ε = 1e-4, `token_mean` (`loss_type="dapo"` for one
    /// batch), β = 0, k3 times the importance ratio (`use_bias_correction_kl=True`).
    case trl
    /// TRL up to at least 1.9.0 (and 0.29.1): as `trl` but plain k3 (`use_bias_correction_kl=False`).
    case trl190 = "trl-1.9.0"
    /// verl 0.9.1: unbiased std, ε = 1e-6, singleton mean 0 / std 1, dual clip 3, ratio clamp ±20,
    /// `token_mean`, `low_var_kl` (k3 clamped to ±20 / ±10); sequence modes exclude empty rows and add
    /// 1e-8 to row counts (`agg_loss`).
    case verl
    /// OpenRLHF 0.11.2: unbiased std, ε = 1e-9, ratio clamp ±20, `token_mean`, k1 clamped to ±10;
    /// sequence modes exclude empty rows and add 1e-8 to row counts (`aggregate_loss`).
    case openRLHF

    /// The preset's advantage normalisation (GRPO-1).
    public var normalization: GroupNormalization {
        switch self {
        case .paper: GroupNormalization()
        case .trl, .trl190: GroupNormalization(variance: .unbiased, epsilon: 1e-4)
        case .verl: GroupNormalization(variance: .unbiased, epsilon: 1e-6, singletonGroup: .meanZeroStdOne)
        case .openRLHF: GroupNormalization(variance: .unbiased, epsilon: 1e-9)
        }
    }

    /// The preset's own KL estimator (k1 for OpenRLHF, k3 otherwise).
    public var klEstimator: KLEstimator { self == .openRLHF ? .k1 : .k3 }

    /// The preset's clipped-objective configuration (GRPO-2) with KL estimator `estimator` (its own
    /// when nil). The KL clamps are those of the KLPenalty preset of the same name for that
    /// estimator (verl's apply to k3 and k3_plus only).
    public func lossConfiguration(klEstimator estimator: KLEstimator? = nil) -> GRPOLossConfiguration {
        let klPreset = self == .trl190 ? KLPenaltyPreset.trl : KLPenaltyPreset(rawValue: rawValue)!
        let kl = klPreset.configuration(estimator: estimator ?? klEstimator).tokenEstimator
        return switch self {
        case .paper: GRPOLossConfiguration(klEstimator: kl)
        case .trl: GRPOLossConfiguration(klEstimator: kl, klBiasCorrection: true, aggregation: .tokenMean)
        case .trl190: GRPOLossConfiguration(klEstimator: kl, aggregation: .tokenMean)
        case .verl: GRPOLossConfiguration(surrogate: ClippedSurrogate(dualClip: 3, logRatioClamp: 20), klEstimator: kl,
                                          aggregation: LossAggregation.tokenMean.withFrameworkDenominators)
        case .openRLHF: GRPOLossConfiguration(surrogate: ClippedSurrogate(logRatioClamp: 20), klEstimator: kl,
                                              aggregation: LossAggregation.tokenMean.withFrameworkDenominators)
        }
    }
}

/// Validated per-token inputs of GRPO's clipped objective: the policy batch of the clipped surrogate
/// and, for the KL term, the frozen reference log-probs (Specs/GRPO.md, Symbols).
public struct GRPOTokenBatch<T: Scalar>: Sendable {
    /// Log-probs, old log-probs (default: a detached copy of the log-probs), advantages ([B] broadcast
    /// over T) and the response mask.
    public var policy: PolicyTokenBatch<T>
    /// log π_ref [B,T] (frozen), needed only when β > 0.
    public var refLogProbs: Tensor<T>?

    /// Validates as `PolicyTokenBatch.init` (with `oldLogProbs` nil meaning `logProbs` itself: ρ = 1,
    /// ∂ρ/∂log π_θ = ρ, the single-iteration case of TRL/verl), then `refLogProbs` (`empty`,
    /// `shapeMismatch`, `nonFinite`).
    public init(logProbs: Tensor<T>, oldLogProbs: Tensor<T>? = nil, advantages: Tensor<T>,
                refLogProbs: Tensor<T>? = nil, mask: Tensor<T>? = nil) throws {
        policy = try PolicyTokenBatch(logProbs: logProbs, oldLogProbs: oldLogProbs ?? logProbs, advantages: advantages, mask: mask)
        if let refLogProbs { _ = try KLTokenBatch(logProbs: logProbs, refLogProbs: refLogProbs, mask: mask) }
        self.refLogProbs = refLogProbs
    }

    /// ρ = exp(log π_θ − log π_old) per token, unclamped (the weight of GRPO-5), 0 at masked positions.
    var importanceRatios: Tensor<T> {
        var r = Tensor<T>(shape: policy.logProbs.shape)
        for i in r.elements.indices where policy.mask.elements[i] != 0 {
            r.elements[i] = T.exp(policy.logProbs.elements[i] - policy.oldLogProbs.elements[i])
        }
        return r
    }

    /// The KL estimator's view of the batch, or `missingInput` (`ref_log_probs`) without reference.
    func klBatch() throws -> KLTokenBatch<T> {
        guard let refLogProbs else { throw InputError.missingInput(argument: "ref_log_probs") }
        return try KLTokenBatch(logProbs: policy.logProbs, refLogProbs: refLogProbs, mask: policy.mask)
    }
}

/// GRPO's clipped objective of a batch.
public struct GRPOClippedLoss<T: Scalar>: Sendable {
    /// L = aggregate(l, m).
    public var loss: T
    /// m·(policy term + β·kl) [B,T].
    public var perTokenLoss: Tensor<T>
}

/// GRPO's clipped token-level objective with the KL penalty inside the aggregation.
///
/// Implements Specs/GRPO.md GRPO-2: per valid token the clipped surrogate of PPOPolicyLoss-1…3
/// (`ClippedSurrogate.perTokenLosses`, optional dual clip and ratio clamp), plus β·kl with the
/// KLPenalty per-token estimator on (log π_θ, log π_ref) when β > 0 (TRL, verl placement), times
/// ρ = exp(log π_θ − log π_old) with `klBiasCorrection` (GRPO-5; 0 where the estimate is 0); then
/// `loss = aggregation.aggregate(l, m)` with the shared PPOPolicyLoss-4 modes (`constant_normalizer`
/// is Σ m·l / (B·L)). A = 0 gives a policy term of exactly 0.
/// - Throws: the configuration's `nonFinite` / `outOfRange`, then `missingInput` (`ref_log_probs`)
///   when β > 0 without reference log-probs.
public func grpoClippedLoss<T: Scalar>(_ batch: GRPOTokenBatch<T>, configuration: GRPOLossConfiguration = GRPOLossConfiguration()) throws -> GRPOClippedLoss<T> {
    try configuration.validate()
    var losses = configuration.surrogate.perTokenLosses(batch.policy)
    if configuration.klCoef > 0 {
        let beta = T(configuration.klCoef)
        var kl = configuration.klEstimator.estimates(try batch.klBatch())
        if configuration.klBiasCorrection { kl = kl.zipMap(batch.importanceRatios) { $0 == 0 ? 0 : $0 * $1 } }
        losses = losses.zipMap(kl) { $0 + beta * $1 }
    }
    return GRPOClippedLoss(loss: configuration.aggregation.aggregate(losses, mask: batch.policy.mask), perTokenLoss: losses)
}

/// ∂(lossGradient·loss)/∂logProbs of `grpoClippedLoss` (Specs/GRPO.md, "Gradient"): with `w` the
/// aggregation weights, `w ⊙ ∂l/∂log π_θ` of the clipped surrogate (−A·ρ on the unclipped branch,
/// kinks included; 0 where a clip, cap or ratio clamp is active) plus `β·w ⊙ ∂kl/∂log π_θ` from the
/// KL estimator (straight-through for `k1_plus` / `k3_plus`); with `klBiasCorrection`, `β·w ⊙ (ρ·∂kl/∂log π_θ
/// + kl·ρ)` (the ratio is differentiated, as in TRL).
/// - Throws: as `grpoClippedLoss`.
public func grpoClippedLossBackward<T: Scalar>(
    _ batch: GRPOTokenBatch<T>, configuration: GRPOLossConfiguration = GRPOLossConfiguration(), lossGradient: T = 1
) throws -> Tensor<T> {
    try configuration.validate()
    let weights = configuration.aggregation.weights(mask: batch.policy.mask).map { lossGradient * $0 }
    var gradient = try configuration.surrogate.perTokenLossesBackward(batch.policy, lossesGradient: weights)
    if configuration.klCoef > 0 {
        let beta = T(configuration.klCoef)
        let klBatch = try batch.klBatch()
        var klGradient = weights.map { beta * $0 }
        if configuration.klBiasCorrection {
            let ratios = batch.importanceRatios
            let kl = configuration.klEstimator.estimates(klBatch)
            // d(kl·ρ) = ρ·dkl + kl·ρ·dlog π_θ; the second term is 0 where kl is 0 (no 0·∞).
            gradient = gradient + klGradient.zipMap(kl.zipMap(ratios) { $0 == 0 ? 0 : $0 * $1 }) { $0 * $1 }
            klGradient = klGradient.zipMap(ratios) { $0 * $1 }
        }
        gradient = gradient + (try configuration.klEstimator.estimatesBackward(klBatch, klGradient: klGradient))
    }
    return gradient
}
