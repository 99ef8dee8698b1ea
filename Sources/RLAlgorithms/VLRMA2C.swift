import Tensor

/// Which function of the token log-probability the policy loss weights by the normalised advantage
/// (Specs/VLRMA2C.md VLRMA2C-5).
public enum VLRMPolicyTerm: String, Sendable, CaseIterable {
    /// f = p = exp(ℓ): seed 004's Eq. 4. The default.
    case probability
    /// f = ℓ: the usual A2C / policy-gradient term.
    case logProbability = "log_probability"
}

/// Conventions of VLRM's A2C losses (Specs/VLRMA2C.md, "Conventions and presets").
public struct VLRMA2CConfiguration: Sendable, Equatable {
    public var policyTerm: VLRMPolicyTerm
    /// The weights w of both losses (VLRMA2C-2; names and rules of Specs/PPOPolicyLoss.md PPOPolicyLoss-4).
    public var aggregation: LossAggregation
    /// Which std divides the advantage (default unbiased, as `Tensor.std`).
    public var stdEstimator: VarianceEstimator
    /// ε ≥ 0 of the denominator (the seed has none).
    public var stdEpsilon: Double
    /// `.outsideSqrt`: D = s + ε (default); `.insideSqrt`: √(s² + ε); `.clamp`: √max(s², ε).
    public var epsilonPlacement: EpsilonPlacement

    public init(policyTerm: VLRMPolicyTerm = .probability, aggregation: LossAggregation = .tokenMean,
                stdEstimator: VarianceEstimator = .unbiased, stdEpsilon: Double = 0,
                epsilonPlacement: EpsilonPlacement = .outsideSqrt) {
        self.policyTerm = policyTerm
        self.aggregation = aggregation
        self.stdEstimator = stdEstimator
        self.stdEpsilon = stdEpsilon
        self.epsilonPlacement = epsilonPlacement
    }

    /// Seed 004 §3.5: probability term, token mean, unbiased std, no ε.
    public static let paper = VLRMA2CConfiguration()
    /// TRL `masked_whiten`: (A − μ)·rsqrt(var + 1e-8), unbiased; log-probability term.
    public static let trl = VLRMA2CConfiguration(policyTerm: .logProbability, stdEpsilon: 1e-8, epsilonPlacement: .insideSqrt)
    /// verl `masked_whiten`: as TRL (verl raises for n ≤ 1; this Spec gives M = 0).
    public static let verl = VLRMA2CConfiguration(policyTerm: .logProbability, stdEpsilon: 1e-8, epsilonPlacement: .insideSqrt)
    /// OpenRLHF: population variance, rsqrt(max(var, 1e-8)).
    public static let openRLHF = VLRMA2CConfiguration(policyTerm: .logProbability, stdEstimator: .population,
                                                      stdEpsilon: 1e-8, epsilonPlacement: .clamp)
    /// CleanRL ppo.py: (A − mean)/(std + 1e-8), unbiased.
    public static let cleanRL = VLRMA2CConfiguration(policyTerm: .logProbability, stdEpsilon: 1e-8)
    /// RL4VLM `PPO.update`: (A − mean)/(std + 1e-5), unbiased.
    public static let rl4vlm = VLRMA2CConfiguration(policyTerm: .logProbability, stdEpsilon: 1e-5)

    /// The presets by their golden-file names.
    public static let presets: [String: VLRMA2CConfiguration] = [
        "paper": .paper, "trl": .trl, "verl": .verl, "openRLHF": .openRLHF, "cleanRL": .cleanRL, "rl4vlm": .rl4vlm,
    ]

    /// The shared masked standardisation with these conventions (mean subtracted, not re-added).
    public var normalization: MaskedStandardization {
        MaskedStandardization(variance: stdEstimator, epsilon: stdEpsilon, epsilonPlacement: epsilonPlacement)
    }

    /// Throws `nonFinite` for a NaN or infinite ε, `outOfRange` for ε < 0.
    public func validate() throws {
        guard stdEpsilon.isFinite else { throw InputError.nonFinite(argument: "std_epsilon", index: []) }
        guard stdEpsilon >= 0 else { throw InputError.outOfRange(argument: "std_epsilon", value: stdEpsilon, range: "[0, inf)") }
    }
}

/// Where the policy's token log-probabilities come from (Specs/VLRMA2C.md VLRMA2C-1).
public enum VLRMPolicyInput<T: Scalar>: Sendable {
    /// Logits [B,T,V] of the policy and the generated tokens [B,T]: ℓ = log_softmax(z)[y]
    /// (`tokenLogProbs` at temperature 1).
    case logits(Tensor<T>, tokens: TokenIDs)
    /// ℓ [B,T] as given.
    case logProbs(Tensor<T>)
}

/// The inputs of VLRM's A2C step for B captions of T token positions.
public struct VLRMA2CBatch<T: Scalar>: Sendable {
    public var policy: VLRMPolicyInput<T>
    /// V [B,T]: value-head predictions.
    public var values: Tensor<T>
    /// R [B,T]: returns of Specs/VLRMReturns.md (constants).
    public var returns: Tensor<T>
    /// [B,T] 0/1: 1 = real caption token.
    public var mask: Tensor<T>

    /// Validates, in this order: `empty` (B = 0, checked before shapes, then T = 0), `shapeMismatch`
    /// (values not rank 2; returns, mask, tokens, log-probs not [B,T]; logits not [B,T,V]), `empty`
    /// (V = 0), `nonFinite` (values, returns, logits or log-probs, mask — masked positions
    /// included), `invalidArgument` (mask not 0/1), `outOfRange` (a token outside [0, V)).
    /// An absent mask is all ones.
    public init(policy: VLRMPolicyInput<T>, values: Tensor<T>, returns: Tensor<T>, mask: Tensor<T>? = nil) throws {
        guard values.shape.first != 0 else { throw InputError.empty(argument: "values", reason: "the batch has no caption") }
        guard values.rank == 2 else { throw InputError.shapeMismatch(argument: "values", expected: [-1, -1], actual: values.shape) }
        let shape = values.shape
        guard shape[1] > 0 else { throw InputError.empty(argument: "values", reason: "captions have no token position") }
        try requireShape(returns, shape, "returns")
        switch policy {
        case .logits(let logits, let tokens):
            guard logits.rank == 3, Array(logits.shape.prefix(2)) == shape else {
                throw InputError.shapeMismatch(argument: "logits", expected: shape + [-1], actual: logits.shape)
            }
            guard tokens.shape == shape else { throw InputError.shapeMismatch(argument: "tokens", expected: shape, actual: tokens.shape) }
        case .logProbs(let logProbs):
            try requireShape(logProbs, shape, "log_probs")
        }
        if let mask { try requireShape(mask, shape, "mask") }
        if case .logits(let logits, _) = policy, logits.shape[2] == 0 {
            throw InputError.empty(argument: "logits", reason: "the vocabulary is empty")
        }
        try requireFinite(values, "values")
        try requireFinite(returns, "returns")
        switch policy {
        case .logits(let logits, _): try requireFinite(logits, "logits")
        case .logProbs(let logProbs): try requireFinite(logProbs, "log_probs")
        }
        if let mask {
            try requireFinite(mask, "mask")
            try requireBinary(mask, "mask")
        }
        if case .logits(let logits, let tokens) = policy, let y = tokens.ids.first(where: { $0 < 0 || $0 >= logits.shape[2] }) {
            throw InputError.outOfRange(argument: "tokens", value: Double(y), range: "[0, \(logits.shape[2]))")
        }
        self.policy = policy
        self.values = values
        self.returns = returns
        self.mask = mask ?? Tensor(shape: shape, repeating: 1)
    }
}

/// The outputs of VLRM's A2C step.
public struct VLRMA2CLosses<T: Scalar>: Sendable {
    /// L_p = −Σ w·f·sg[M] (VLRMA2C-5).
    public var policyLoss: T
    /// L_v = Σ w·(R − V)² (VLRMA2C-2).
    public var valueLoss: T
    /// A = m·(R − V) [B,T] (detached).
    public var advantages: Tensor<T>
    /// M [B,T] (detached).
    public var normalizedAdvantages: Tensor<T>
}

/// The normalised advantage of seed 004's Eq. 3 over the real tokens of the whole batch.
///
/// Implements Specs/VLRMA2C.md VLRMA2C-4 with the shared `MaskedStandardization` (two-pass mean and
/// variance over mask = 1, D from `configuration`'s estimator, ε and placement; mean not re-added),
/// plus the zero-spread rule: M ≡ 0 when the real advantages are all bit-for-bit equal (this covers
/// n ≤ 1) or when D = 0. M is 0 at masked positions and never NaN or infinite.
/// - Throws: the errors of `configuration.validate()`.
public func vlrmNormalizedAdvantages<T: Scalar>(_ advantages: Tensor<T>, mask: Tensor<T>,
                                                configuration: VLRMA2CConfiguration = .paper) throws -> Tensor<T> {
    try configuration.validate()
    var (lowest, highest) = (T.infinity, -T.infinity)
    for i in advantages.elements.indices where mask.elements[i] != 0 {
        lowest = min(lowest, advantages.elements[i])
        highest = max(highest, advantages.elements[i])
    }
    let zero = Tensor<T>(shape: advantages.shape)
    guard lowest < highest else { return zero }
    let normalization = configuration.normalization
    guard try normalization.statistics(of: advantages, mask: mask, argument: "mask").scale > 0 else { return zero }
    return try normalization.apply(advantages, mask: mask, argument: "mask")
}

/// ℓ [B,T] of the batch's policy input (VLRMA2C-1), masked positions 0 in the logits form.
private func tokenLogProbabilities<T: Scalar>(_ batch: VLRMA2CBatch<T>) throws -> Tensor<T> {
    switch batch.policy {
    case .logits(let logits, let tokens): try tokenLogProbs(logits: logits, tokens: tokens, mask: batch.mask).logProbs
    case .logProbs(let logProbs): logProbs
    }
}

/// VLRM's A2C losses: value loss, advantage, batch-normalised advantage and probability-weighted
/// policy loss.
///
/// Implements Specs/VLRMA2C.md VLRMA2C-1 (ℓ = z_y − logsumexp z through `tokenLogProbs`, or given;
/// p = exp ℓ), VLRMA2C-2 (L_v = Σ w·(R − V)² with w = `configuration.aggregation.weights(mask:)`),
/// VLRMA2C-3 (A = m·(R − V)), VLRMA2C-4 (`vlrmNormalizedAdvantages`) and VLRMA2C-5
/// (L_p = −Σ w·f·sg[M], f = p or ℓ). Masked positions contribute exactly 0.
/// - Throws: the errors of `configuration.validate()`.
public func vlrmA2CLosses<T: Scalar>(_ batch: VLRMA2CBatch<T>, configuration: VLRMA2CConfiguration = .paper) throws -> VLRMA2CLosses<T> {
    try evaluateA2C(batch, configuration).losses
}

/// The losses with the intermediates the backward pass reuses: ℓ and the weights w.
private func evaluateA2C<T: Scalar>(_ batch: VLRMA2CBatch<T>, _ configuration: VLRMA2CConfiguration) throws
    -> (losses: VLRMA2CLosses<T>, logProbs: Tensor<T>, weights: Tensor<T>) {
    try configuration.validate()
    let logProbs = try tokenLogProbabilities(batch)
    let w = configuration.aggregation.weights(mask: batch.mask)
    var advantages = Tensor<T>(shape: batch.values.shape)
    for i in advantages.elements.indices where batch.mask.elements[i] != 0 {
        advantages.elements[i] = batch.returns.elements[i] - batch.values.elements[i]
    }
    let normalized = try vlrmNormalizedAdvantages(advantages, mask: batch.mask, configuration: configuration)
    var (policyLoss, valueLoss): (T, T) = (0, 0)
    for i in advantages.elements.indices where batch.mask.elements[i] != 0 {
        let l = logProbs.elements[i]
        let f = configuration.policyTerm == .probability ? T.exp(l) : l
        policyLoss -= w.elements[i] * f * normalized.elements[i]
        valueLoss += w.elements[i] * advantages.elements[i] * advantages.elements[i]
    }
    return (VLRMA2CLosses(policyLoss: policyLoss, valueLoss: valueLoss, advantages: advantages, normalizedAdvantages: normalized),
            logProbs, w)
}

/// Gradients of L = c_p·L_p + c_v·L_v.
public struct VLRMA2CGradients<T: Scalar>: Sendable {
    /// ∂L/∂logits [B,T,V] or ∂L/∂log_probs [B,T], following the batch's policy input.
    public var policy: Tensor<T>
    /// ∂L/∂V [B,T].
    public var values: Tensor<T>
}

/// Vector–Jacobian product of `vlrmA2CLosses` with M held constant (the seed's stop-gradient):
/// ∂L/∂V = −2·c_v·w·(R − V); ∂L/∂ℓ = −c_p·w·M·(p or 1); ∂L/∂z through `tokenLogProbsBackward`
/// (ℓ's log-softmax backward, ∂ℓ/∂z_v = δ_{vy} − softmax(z)_v). The policy loss sends nothing to V,
/// the value loss nothing to the logits (Specs/VLRMA2C.md, "Gradient").
/// - Throws: the errors of `configuration.validate()`.
public func vlrmA2CLossesBackward<T: Scalar>(
    _ batch: VLRMA2CBatch<T>, configuration: VLRMA2CConfiguration = .paper,
    policyLossGradient: T = 0, valueLossGradient: T = 0
) throws -> VLRMA2CGradients<T> {
    let (forward, logProbs, w) = try evaluateA2C(batch, configuration)
    var gLogProbs = Tensor<T>(shape: batch.values.shape)
    var gValues = Tensor<T>(shape: batch.values.shape)
    for i in gValues.elements.indices where batch.mask.elements[i] != 0 {
        gValues.elements[i] = -2 * valueLossGradient * w.elements[i] * forward.advantages.elements[i]
        let slope = configuration.policyTerm == .probability ? T.exp(logProbs.elements[i]) : 1
        gLogProbs.elements[i] = -policyLossGradient * w.elements[i] * forward.normalizedAdvantages.elements[i] * slope
    }
    switch batch.policy {
    case .logits(let logits, let tokens):
        let gLogits = try tokenLogProbsBackward(logits: logits, tokens: tokens, mask: batch.mask, logProbsGradient: gLogProbs)
        return VLRMA2CGradients(policy: gLogits, values: gValues)
    case .logProbs:
        return VLRMA2CGradients(policy: gLogProbs, values: gValues)
    }
}
