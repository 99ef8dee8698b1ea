import Tensor

/// Conventions of the total PPO loss (Specs/PPOLoss.md, "Conventions and presets"): the policy and
/// value conventions, one aggregation for all three terms, and the two coefficients. Defaults are
/// seed 000's (clip 0.2, `value_coef` 0.5, `entropy_coef` 0.01, unclipped value loss, `token_mean`).
public struct PPOLossConfiguration: Sendable, Equatable {
    /// The per-token clipped surrogate of the policy term.
    public var surrogate: ClippedSurrogate
    /// The value clip of the value term (nil = unclipped).
    public var valueClip: Double?
    /// The reduction of the policy, value and entropy terms (PPOPolicyLoss-4 modes).
    public var aggregation: LossAggregation
    /// c_v ≥ 0: weight of the value loss.
    public var valueCoef: Double
    /// c_e: weight of the entropy bonus (the entropy enters the loss with a minus sign).
    public var entropyCoef: Double

    public init(surrogate: ClippedSurrogate = ClippedSurrogate(), valueClip: Double? = nil,
                aggregation: LossAggregation = .tokenMean, valueCoef: Double = 0.5, entropyCoef: Double = 0.01) {
        self.surrogate = surrogate
        self.valueClip = valueClip
        self.aggregation = aggregation
        self.valueCoef = valueCoef
        self.entropyCoef = entropyCoef
    }

    /// A framework's policy and value presets with its coefficients.
    private init(preset name: String, valueCoef: Double, entropyCoef: Double) {
        let policy = PPOPolicyLossConfiguration.presets[name]!
        self.init(surrogate: policy.surrogate, valueClip: ValueLossConfiguration.presets[name]!.valueClip,
                  aggregation: policy.aggregation, valueCoef: valueCoef, entropyCoef: entropyCoef)
    }

    /// The policy term's configuration.
    public var policy: PPOPolicyLossConfiguration { PPOPolicyLossConfiguration(surrogate: surrogate, aggregation: aggregation) }
    /// The value term's configuration.
    public var value: ValueLossConfiguration { ValueLossConfiguration(valueClip: valueClip, aggregation: aggregation) }

    /// Seed 000: clip 0.2, `value_coef` 0.5, `entropy_coef` 0.01, unclipped value loss.
    public static let paper = PPOLossConfiguration()
    /// TRL PPO: `vf_coef` 0.1, value clip 0.2, entropy only logged.
    public static let trl = PPOLossConfiguration(preset: "trl", valueCoef: 0.1, entropyCoef: 0)
    /// verl: dual clip 3, clamp 20, value clip 0.5, separate critic (`value_coef` 1), `entropy_coeff` 0.
    public static let verl = PPOLossConfiguration(preset: "verl", valueCoef: 1, entropyCoef: 0)
    /// OpenRLHF: clamp 20, value clip 0.5, separate critic (`value_coef` 1), no entropy term.
    public static let openRLHF = PPOLossConfiguration(preset: "openRLHF", valueCoef: 1, entropyCoef: 0)
    /// CleanRL: `vf_coef` 0.5, `ent_coef` 0.01, value clip 0.2.
    public static let cleanRL = PPOLossConfiguration(preset: "cleanRL", valueCoef: 0.5, entropyCoef: 0.01)
    /// RL4VLM: clip 0.1 for both clips, `value_loss_coef` 0.5, no entropy computed.
    public static let rl4vlm = PPOLossConfiguration(preset: "rl4vlm", valueCoef: 0.5, entropyCoef: 0)

    /// The presets by their golden-file names.
    public static let presets: [String: PPOLossConfiguration] = [
        "paper": .paper, "trl": .trl, "verl": .verl, "openRLHF": .openRLHF, "cleanRL": .cleanRL, "rl4vlm": .rl4vlm,
    ]

    /// Throws `nonFinite` for any non-finite parameter, then `outOfRange` for the PPOPolicyLoss and
    /// ValueLoss range rules and `value_coef < 0` (Specs/PPOLoss.md, "Errors" 7 and 8).
    public func validate() throws {
        for (value, name) in [(valueCoef, "value_coef"), (entropyCoef, "entropy_coef")] where !value.isFinite {
            throw InputError.nonFinite(argument: name, index: [])
        }
        try policy.validateFiniteness()
        try value.validateFiniteness()
        try policy.validate()
        try value.validate()
        guard valueCoef >= 0 else { throw InputError.outOfRange(argument: "value_coef", value: valueCoef, range: "[0, inf)") }
    }
}

/// Validated inputs of the total PPO loss: the policy batch, the value batch (with its own mask)
/// and the per-token entropies (Specs/PPOLoss.md, Symbols).
public struct PPOLossBatch<T: Scalar>: Sendable {
    /// Log-probs, old log-probs, advantages and the policy/entropy mask `m`.
    public var policy: PolicyTokenBatch<T>
    /// Values, old values, returns and the value mask `m_v` (default `m`).
    public var value: ValueTokenBatch<T>
    /// H [B,T]: per-token entropy of the policy (TokenLogProbs `entropy`), aggregated with `m`.
    public var entropy: Tensor<T>

    /// Validates every array together, in the order of Specs/PPOLoss.md "Errors" 4–7: `empty`
    /// (any array without elements), `shapeMismatch` (`logProbs` not rank 2, another [B,T] input of
    /// another shape, `advantages` neither [B,T] nor [B]), `invalidArgument` (a `mask` or `valueMask`
    /// entry not 0/1), `nonFinite` (NaN or ±∞ anywhere in an array, masked positions included).
    public init(logProbs: Tensor<T>, oldLogProbs: Tensor<T>, advantages: Tensor<T>, values: Tensor<T>,
                oldValues: Tensor<T>? = nil, returns: Tensor<T>, entropy: Tensor<T>,
                mask: Tensor<T>? = nil, valueMask: Tensor<T>? = nil) throws {
        let perToken: [(Tensor<T>?, String)] = [
            (oldLogProbs, "old_log_probs"), (values, "values"), (oldValues, "old_values"), (returns, "returns"),
            (entropy, "entropy"), (mask, "mask"), (valueMask, "value_mask"),
        ]
        let all: [(Tensor<T>?, String)] = [(logProbs, "log_probs"), (advantages, "advantages")] + perToken
        for case let (t?, name) in all where t.count == 0 {
            throw InputError.empty(argument: name, reason: "has no element (B = 0 or T = 0)")
        }
        guard logProbs.rank == 2 else {
            throw InputError.shapeMismatch(argument: "log_probs", expected: [-1, -1], actual: logProbs.shape)
        }
        for case let (t?, name) in perToken { try requireShape(t, logProbs.shape, name) }
        try requireAdvantagesShape(advantages, logProbs.shape)
        for case let (t?, name) in [(mask, "mask"), (valueMask, "value_mask")] { try requireBinary(t, name) }
        for case let (t?, name) in all { try requireFinite(t, name) }
        policy = try PolicyTokenBatch(logProbs: logProbs, oldLogProbs: oldLogProbs, advantages: advantages, mask: mask)
        value = try ValueTokenBatch(values: values, oldValues: oldValues, returns: returns, mask: valueMask ?? mask)
        self.entropy = entropy
    }
}

/// The total PPO loss and its three unweighted terms.
public struct PPOLossResult<T: Scalar>: Sendable {
    /// L = L^pg + c_v·L^V − c_e·H̄.
    public var loss: T
    /// L^pg: the PPOPolicyLoss `loss`.
    public var policyLoss: T
    /// L^V: the ValueLoss `loss` (½ inside), over the value mask.
    public var valueLoss: T
    /// H̄: the aggregated entropy.
    public var entropy: T
}

/// Gradients of the total PPO loss with respect to its differentiable inputs.
public struct PPOLossGradients<T: Scalar>: Sendable {
    public var logProbs: Tensor<T>
    public var values: Tensor<T>
    public var entropy: Tensor<T>
}

/// The total PPO loss: policy loss + value_coef · value loss − entropy_coef · entropy.
///
/// Implements Specs/PPOLoss.md PPOLoss-1, `L = L^pg + c_v·L^V − c_e·H̄` with `L^pg` from
/// `ppoPolicyLoss` (mask `m`) and `L^V` from `valueLoss` (mask `m_v`), both with the same aggregation,
/// and PPOLoss-2, `H̄ = aggregate(H, m)`. The policy diagnostics are those of `ppoPolicyLoss`.
/// - Throws: `missingInput` (`old_values`) when the value loss is clipped without rollout values,
///   then the configuration's `nonFinite` / `outOfRange`.
public func ppoLoss<T: Scalar>(_ batch: PPOLossBatch<T>, configuration: PPOLossConfiguration = .paper) throws -> PPOLossResult<T> {
    try configuration.validate()
    let policyLoss = try ppoPolicyLoss(batch.policy, configuration: configuration.policy).loss
    let valueLoss = try valueLoss(batch.value, configuration: configuration.value).loss
    let entropy = configuration.aggregation.aggregate(batch.entropy, mask: batch.policy.mask)
    return PPOLossResult(loss: policyLoss + T(configuration.valueCoef) * valueLoss - T(configuration.entropyCoef) * entropy,
                         policyLoss: policyLoss, valueLoss: valueLoss, entropy: entropy)
}

/// Vector–Jacobian product of `ppoLoss` for cotangents ḡ_L, ḡ_pg, ḡ_V, ḡ_H on `loss`, `policyLoss`,
/// `valueLoss`, `entropy` (Specs/PPOLoss.md, "Gradient"): ∂/∂logProbs = (ḡ_L + ḡ_pg)·∂L^pg/∂logProbs,
/// ∂/∂values = (c_v·ḡ_L + ḡ_V)·∂L^V/∂values, ∂/∂entropy = (−c_e·ḡ_L + ḡ_H)·w with `w` the aggregation
/// weights of `m`. Kinks and subgradients are those of PPOPolicyLoss and ValueLoss.
/// - Throws: as `ppoLoss`.
public func ppoLossBackward<T: Scalar>(
    _ batch: PPOLossBatch<T>, configuration: PPOLossConfiguration = .paper, lossGradient: T = 1,
    policyLossGradient: T = 0, valueLossGradient: T = 0, entropyGradient: T = 0
) throws -> PPOLossGradients<T> {
    try configuration.validate()
    let entropyScale = entropyGradient - T(configuration.entropyCoef) * lossGradient
    return PPOLossGradients(
        logProbs: try ppoPolicyLossBackward(batch.policy, configuration: configuration.policy,
                                            lossGradient: lossGradient + policyLossGradient),
        values: try valueLossBackward(batch.value, configuration: configuration.value,
                                      lossGradient: T(configuration.valueCoef) * lossGradient + valueLossGradient),
        entropy: configuration.aggregation.weights(mask: batch.policy.mask).map { entropyScale * $0 })
}
