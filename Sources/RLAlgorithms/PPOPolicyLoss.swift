import Tensor

/// Conventions of the PPO policy loss: the clipped surrogate per token and how the tokens are
/// reduced (Specs/PPOPolicyLoss.md, "Conventions and presets"). Defaults are seed 000's (clip 0.2,
/// no dual clip, no clamp, `token_mean`); the presets reproduce other frameworks.
public struct PPOPolicyLossConfiguration: Sendable, Equatable {
    /// The per-token clipped surrogate (PPOPolicyLoss-1…3).
    public var surrogate: ClippedSurrogate
    /// The reduction of the per-token losses (PPOPolicyLoss-4).
    public var aggregation: LossAggregation

    public init(surrogate: ClippedSurrogate = ClippedSurrogate(), aggregation: LossAggregation = .tokenMean) {
        self.surrogate = surrogate
        self.aggregation = aggregation
    }

    /// Seed 000: clip 0.2, no dual clip, no clamp, `token_mean`.
    public static let paper = PPOPolicyLossConfiguration()
    /// TRL 0.29.1 PPO: `cliprange = 0.2`, masked token mean, no clamp.
    public static let trl = PPOPolicyLossConfiguration()
    /// verl 0.9.1 `compute_policy_loss_vanilla`: clip 0.2, dual clip 3, log-ratio clamped to ±20,
    /// `token-mean`; `agg_loss`'s sequence modes exclude empty rows and add 1e-8 to row counts.
    public static let verl = PPOPolicyLossConfiguration(surrogate: ClippedSurrogate(dualClip: 3, logRatioClamp: 20),
                                                        aggregation: LossAggregation.tokenMean.withFrameworkDenominators)
    /// OpenRLHF 0.11.2 `PolicyLoss`: clip 0.2, no dual clip, log-ratio clamped to ±20, token-level loss;
    /// `aggregate_loss`'s per-sample mode excludes empty rows and adds 1e-8 to row counts.
    public static let openRLHF = PPOPolicyLossConfiguration(surrogate: ClippedSurrogate(logRatioClamp: 20),
                                                            aggregation: LossAggregation.tokenMean.withFrameworkDenominators)
    /// CleanRL ppo.py: `clip_coef = 0.2`, plain mean (= `token_mean` with an all-ones mask).
    public static let cleanRL = PPOPolicyLossConfiguration()
    /// RL4VLM: `clip_param = 0.1`, mean over the minibatch.
    public static let rl4vlm = PPOPolicyLossConfiguration(surrogate: ClippedSurrogate(clipEpsilon: 0.1))

    /// The presets by their golden-file names.
    public static let presets: [String: PPOPolicyLossConfiguration] = [
        "paper": .paper, "trl": .trl, "verl": .verl, "openRLHF": .openRLHF, "cleanRL": .cleanRL, "rl4vlm": .rl4vlm,
    ]

    /// Throws `nonFinite` for a non-finite clip parameter or normalizer (Specs/PPOPolicyLoss.md,
    /// "Errors" 7).
    public func validateFiniteness() throws {
        try surrogate.validateFiniteness()
        try aggregation.validateFiniteness()
    }

    /// `validateFiniteness()`, then `outOfRange` for a clip parameter or normalizer outside its
    /// range (Specs/PPOPolicyLoss.md, "Errors" 7 and 8).
    public func validate() throws {
        try validateFiniteness()
        try surrogate.validate()
        try aggregation.validate()
    }
}

/// The PPO policy loss of a batch and its diagnostics.
public struct PPOPolicyLossResult<T: Scalar>: Sendable {
    /// L^CLIP: the aggregated clipped surrogate (to minimize).
    public var loss: T
    /// Clip fractions and approximate KL(π_old ‖ π_θ), masked token means.
    public var diagnostics: ClippedSurrogateDiagnostics<T>
}

/// The clipped-surrogate policy loss of PPO with its diagnostics.
///
/// Implements Specs/PPOPolicyLoss.md: per token PPOPolicyLoss-1…3 (`ClippedSurrogate.perTokenLosses`),
/// then PPOPolicyLoss-4, `loss = aggregation.aggregate(l, mask)` (masked entries skipped; empty rows
/// count in B), and the diagnostics PPOPolicyLoss-5/-6 (`ClippedSurrogate.diagnostics`). Never NaN;
/// +∞ only when a ratio overflows for A < 0 without clamp or dual clip.
/// - Throws: `InputError` for a non-finite or out-of-range parameter (the batch is validated by
///   `PolicyTokenBatch.init`).
public func ppoPolicyLoss<T: Scalar>(
    _ batch: PolicyTokenBatch<T>, configuration: PPOPolicyLossConfiguration = .paper
) throws -> PPOPolicyLossResult<T> {
    try configuration.validate()
    let losses = configuration.surrogate.perTokenLosses(batch)
    return PPOPolicyLossResult(loss: configuration.aggregation.aggregate(losses, mask: batch.mask),
                               diagnostics: configuration.surrogate.diagnostics(batch))
}

/// ∂(lossGradient·loss)/∂logProbs of `ppoPolicyLoss`: `lossGradient·w ⊙ ∂l/∂log π_θ` with `w` the
/// aggregation weights and ∂l/∂log π_θ = −A·ρ on the unclipped branch (ties and boundaries
/// included), 0 where a clamp, clip or cap is active (Specs/PPOPolicyLoss.md, "Gradient"). The
/// diagnostics are not differentiated.
/// - Throws: as `ppoPolicyLoss`.
public func ppoPolicyLossBackward<T: Scalar>(
    _ batch: PolicyTokenBatch<T>, configuration: PPOPolicyLossConfiguration = .paper, lossGradient: T = 1
) throws -> Tensor<T> {
    try configuration.validate()
    let weights = configuration.aggregation.weights(mask: batch.mask).map { lossGradient * $0 }
    return try configuration.surrogate.perTokenLossesBackward(batch, lossesGradient: weights)
}
