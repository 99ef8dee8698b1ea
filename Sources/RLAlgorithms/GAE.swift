import Tensor

/// How masked (mask = 0) positions inside a row take part in the GAE recursion (Specs/GAE.md,
/// "Masks").
public enum MaskedStepConvention: String, Sendable, CaseIterable {
    /// Masked positions are invisible: the next value and the running advantage are carried over
    /// them with no γ or λ decay (verl since PR #2337). The default.
    case skip
    /// Masked positions are ordinary steps with reward 0 and value 0 and no episode boundary, so
    /// the γλ decay applies across them (TRL PPO, OpenRLHF).
    case zeroFill = "zero_fill"
}

/// Hyper-parameters and conventions of generalised advantage estimation (Specs/GAE.md,
/// "Conventions and presets"). Defaults are seed 000's; the presets reproduce other frameworks.
public struct GAEConfiguration: Sendable, Equatable {
    /// Discount γ ∈ [0, 1].
    public var gamma: Double
    /// GAE parameter λ ∈ [0, 1]: 0 gives one-step TD errors, 1 Monte-Carlo returns minus V.
    public var lambda: Double
    public var maskedSteps: MaskedStepConvention
    /// Treat truncation as termination (no bootstrap), as CleanRL and RL4VLM do by default and TRL,
    /// verl and OpenRLHF always do (they have no truncation input).
    public var truncationAsTermination: Bool
    /// Where a per-sequence score is placed (GAE-1).
    public var rewardPlacement: RewardPlacement
    /// Whether to output whitened advantages (GAE-5).
    public var whiten: Bool
    /// The whitening conventions (read only when `whiten` is true).
    public var whitening: MaskedStandardization

    public init(gamma: Double = 0.99, lambda: Double = 0.95, maskedSteps: MaskedStepConvention = .skip,
                truncationAsTermination: Bool = false, rewardPlacement: RewardPlacement = .lastToken,
                whiten: Bool = false, whitening: MaskedStandardization = MaskedStandardization()) {
        self.gamma = gamma
        self.lambda = lambda
        self.maskedSteps = maskedSteps
        self.truncationAsTermination = truncationAsTermination
        self.rewardPlacement = rewardPlacement
        self.whiten = whiten
        self.whitening = whitening
    }

    /// Seed 000 (Kim): γ = 0.99, λ = 0.95, masked steps skipped, no whitening.
    public static let paper = GAEConfiguration()
    /// CleanRL ppo.py: γ = 0.99, λ = 0.95, `done = terminated or truncated`; its per-minibatch
    /// normalisation (A − mean)/(std + 1e-8) is the whitening convention, off by default.
    public static let cleanRL = GAEConfiguration(
        truncationAsTermination: true,
        whitening: MaskedStandardization(variance: .unbiased, epsilon: 1e-8, epsilonPlacement: .outsideSqrt))
    /// TRL 0.29.1 PPOTrainer: γ = 1, λ = 0.95, padding as zero-reward zero-value steps, score one
    /// position after the last token, no truncation bootstrap (0 after the last token), masked
    /// whitening (unbiased variance, ε = 1e-8 inside the root).
    public static let trl = GAEConfiguration(gamma: 1, lambda: 0.95, maskedSteps: .zeroFill, truncationAsTermination: true,
                                             rewardPlacement: .afterLastToken, whiten: true)
    /// verl 0.9.1 `compute_gae_advantage_return`: γ = 1, λ = 1, masked tokens skipped, no truncation
    /// bootstrap, masked whitening.
    public static let verl = GAEConfiguration(gamma: 1, lambda: 1, maskedSteps: .skip, truncationAsTermination: true,
                                              whiten: true)
    /// OpenRLHF 0.11.2: γ = 1, λ = 1, rewards and values multiplied by the action mask (zero fill),
    /// no truncation bootstrap, whitening with population variance and rsqrt(var.clamp(min=1e-8)).
    public static let openRLHF = GAEConfiguration(
        gamma: 1, lambda: 1, maskedSteps: .zeroFill, truncationAsTermination: true, whiten: true,
        whitening: MaskedStandardization(variance: .population, epsilon: 1e-8, epsilonPlacement: .clamp))
    /// RL4VLM: γ = 0.9, λ = 0.95, truncation treated as termination (`--use-proper-time-limits` off),
    /// whole-rollout normalisation (A − mean)/(std + 1e-5) with the unbiased std.
    public static let rl4vlm = GAEConfiguration(
        gamma: 0.9, lambda: 0.95, truncationAsTermination: true, whiten: true,
        whitening: MaskedStandardization(variance: .unbiased, epsilon: 1e-5, epsilonPlacement: .outsideSqrt))

    /// The presets by their golden-file names.
    public static let presets: [String: GAEConfiguration] = [
        "paper": .paper, "cleanRL": .cleanRL, "trl": .trl, "verl": .verl, "openRLHF": .openRLHF, "rl4vlm": .rl4vlm,
    ]

    /// Throws `nonFinite` for a NaN or infinite γ, λ or ε, then `outOfRange` for γ or λ outside
    /// [0, 1] or ε ≤ 0.
    public func validate() throws {
        for (value, name) in [(gamma, "gamma"), (lambda, "lambda"), (whitening.epsilon, "whiten_epsilon")] where !value.isFinite {
            throw InputError.nonFinite(argument: name, index: [])
        }
        try requireInRange(gamma, 0...1, "gamma")
        try requireInRange(lambda, 0...1, "lambda")
        try whitening.validate(argument: "whiten_epsilon")
    }
}

/// The per-position inputs of GAE for a batch of B rows and T steps (Specs/GAE.md, Symbols).
public struct GAEBatch<T: Scalar>: Sendable {
    /// r [B,T]: reward received after step t.
    public var rewards: Tensor<T>
    /// V [B,T]: value estimate of the state at step t.
    public var values: Tensor<T>
    /// [B,T]: 1 for real steps, 0 for padding / non-trainable tokens.
    public var mask: Tensor<T>
    /// [B,T]: 1 when the episode terminated after step t.
    public var terminated: Tensor<T>
    /// [B,T]: 1 when the episode was truncated (time limit) after step t.
    public var truncated: Tensor<T>
    /// [B,T]: value of the final observation of a truncated episode (read where truncated = 1).
    public var truncationValues: Tensor<T>
    /// [B]: value bootstrapped after the last real step of a row that neither terminated nor truncated.
    public var lastValues: Tensor<T>

    /// Validates, in this order, shapes, 0/1 flags and finiteness (Specs/GAE.md, "Errors"); absent
    /// optional arguments take their defaults (mask 1, flags 0, truncation values 0, last values 0).
    public init(rewards: Tensor<T>, values: Tensor<T>, mask: Tensor<T>? = nil, terminated: Tensor<T>? = nil,
                truncated: Tensor<T>? = nil, truncationValues: Tensor<T>? = nil, lastValues: Tensor<T>? = nil) throws {
        guard values.rank == 2 else {
            throw InputError.shapeMismatch(argument: "values", expected: [-1, -1], actual: values.shape)
        }
        let shape = values.shape
        try requireShape(rewards, shape, "rewards")
        for (t, name) in [(mask, "mask"), (terminated, "terminated"), (truncated, "truncated"),
                          (truncationValues, "truncation_values")] {
            if let t { try requireShape(t, shape, name) }
        }
        if let lastValues { try requireShape(lastValues, [shape[0]], "last_values") }
        for (t, name) in [(mask, "mask"), (terminated, "terminated"), (truncated, "truncated")] {
            if let t { try requireBinary(t, name) }
        }
        for (t, name) in [(rewards, "rewards"), (values, "values"), (truncationValues, "truncation_values"),
                          (lastValues, "last_values")] {
            if let t { try requireFinite(t, name) }
        }
        self.rewards = rewards
        self.values = values
        self.mask = mask ?? Tensor(shape: shape, repeating: 1)
        self.terminated = terminated ?? Tensor(shape: shape)
        self.truncated = truncated ?? Tensor(shape: shape)
        self.truncationValues = truncationValues ?? Tensor(shape: shape)
        self.lastValues = lastValues ?? Tensor(shape: [shape[0]])
    }

    var rows: Int { values.shape[0] }
    var columns: Int { values.shape[1] }
}

/// Outputs of GAE: advantages A, returns R = A + V, and whitened advantages when configured.
/// All three are 0 at masked positions.
public struct GAEResult<T: Scalar>: Sendable {
    public var advantages: Tensor<T>
    public var returns: Tensor<T>
    public var whitenedAdvantages: Tensor<T>?
}

/// Gradients of a scalar with respect to the differentiable GAE inputs.
public struct GAEGradients<T: Scalar>: Sendable {
    public var rewards: Tensor<T>
    public var values: Tensor<T>
    public var truncationValues: Tensor<T>
    public var lastValues: Tensor<T>
}

/// One step of the recursion in a row: its column and the role of the following value.
private enum Bootstrap {
    case none                  // terminated (or truncation treated as termination)
    case nextStep(Int)         // V of the next participating column
    case truncationValue       // V of the truncated episode's final observation
    case lastValue             // the row's last_values entry
}

private struct RowStep {
    var column: Int
    var bootstrap: Bootstrap
    /// γλ(1 − end_t): how much of A_{t+1} flows into A_t.
    var carry: Double
}

/// The steps of row `b` in recursion order (last first) under `configuration`.
private func rowSteps<T: Scalar>(_ batch: GAEBatch<T>, row b: Int, _ configuration: GAEConfiguration) -> [RowStep] {
    let tCount = batch.columns
    var columns: [Int] = []
    for t in 0..<tCount where configuration.maskedSteps == .zeroFill || batch.mask[b, t] != 0 { columns.append(t) }
    var steps: [RowStep] = []
    steps.reserveCapacity(columns.count)
    for (j, t) in columns.enumerated().reversed() {
        let real = batch.mask[b, t] != 0
        let terminated = real && batch.terminated[b, t] != 0
        let truncated = real && batch.truncated[b, t] != 0
        let bootstrap: Bootstrap
        if terminated || (truncated && configuration.truncationAsTermination) {
            bootstrap = .none
        } else if truncated {
            bootstrap = .truncationValue
        } else if j + 1 < columns.count {
            bootstrap = .nextStep(columns[j + 1])
        } else {
            bootstrap = .lastValue
        }
        let end = terminated || truncated
        steps.append(RowStep(column: t, bootstrap: bootstrap, carry: end ? 0 : configuration.gamma * configuration.lambda))
    }
    return steps
}

/// Generalised advantage estimation with terminal vs truncated episodes and padding masks.
///
/// Implements Specs/GAE.md GAE-2 (the bootstrapped value V'_t: 0 after a termination, the
/// truncation value after a truncation, the next participating step's value, else `lastValues`),
/// GAE-3 (δ_t = r_t + γ·V'_t − V_t, A_t = δ_t + γλ(1 − end_t)·A_{t+1}), GAE-4 (returns R = A + V)
/// and, when `configuration.whiten` is set, GAE-5 (masked whitening). Reward placement (GAE-1) is
/// `placeSequenceRewards`.
/// Under `.zeroFill`, masked positions take part with r = V = 0. Outputs are 0 at masked positions.
/// - Throws: `InputError` for non-finite or out-of-range γ, λ, ε, or `empty` when whitening an
///   all-masked batch.
public func generalizedAdvantageEstimates<T: Scalar>(
    _ batch: GAEBatch<T>, configuration: GAEConfiguration = .paper
) throws -> GAEResult<T> {
    try configuration.validate()
    let gamma = T(configuration.gamma)
    var advantages = Tensor<T>(shape: batch.values.shape)
    var returns = Tensor<T>(shape: batch.values.shape)
    for b in 0..<batch.rows {
        var running: T = 0
        for step in rowSteps(batch, row: b, configuration) {
            let t = step.column
            let real = batch.mask[b, t] != 0
            let r = real ? batch.rewards[b, t] : 0
            let v = real ? batch.values[b, t] : 0
            let next: T = switch step.bootstrap {
            case .none: 0
            case .nextStep(let u): batch.mask[b, u] != 0 ? batch.values[b, u] : 0
            case .truncationValue: batch.truncationValues[b, t]
            case .lastValue: batch.lastValues[b]
            }
            running = r + gamma * next - v + T(step.carry) * running
            if real {
                advantages[b, t] = running
                returns[b, t] = running + v
            }
        }
    }
    let whitened = configuration.whiten
        ? try configuration.whitening.apply(advantages, mask: batch.mask, argument: "mask") : nil
    return GAEResult(advantages: advantages, returns: returns, whitenedAdvantages: whitened)
}

/// Vector–Jacobian product of `generalizedAdvantageEstimates`: given ∂L/∂A, ∂L/∂R and (when
/// whitening) ∂L/∂Â, returns ∂L/∂r, ∂L/∂V, ∂L/∂(truncation values), ∂L/∂(last values).
///
/// GAE is linear in r and V: with u_j = Σ_{i ≤ j} (∏ carries) g_i the adjoint of the recursion
/// run forward in time, ∂L/∂r_t = u_t, ∂L/∂V_t = −u_t + ∂L/∂R_t + γ·u_{prev}·[t bootstraps prev].
/// Masked positions receive 0 (their reward and value never enter). Specs/GAE.md, "Gradient".
public func generalizedAdvantageEstimatesBackward<T: Scalar>(
    _ batch: GAEBatch<T>, configuration: GAEConfiguration = .paper,
    advantagesGradient: Tensor<T>? = nil, returnsGradient: Tensor<T>? = nil, whitenedGradient: Tensor<T>? = nil
) throws -> GAEGradients<T> {
    try configuration.validate()
    let shape = batch.values.shape
    let gA0 = advantagesGradient ?? Tensor(shape: shape)
    let gR = returnsGradient ?? Tensor(shape: shape)
    try requireShape(gA0, shape, "advantages cotangent")
    try requireShape(gR, shape, "returns cotangent")
    var gA = gA0 + gR
    if let gW = whitenedGradient {
        try requireShape(gW, shape, "whitened_advantages cotangent")
        guard configuration.whiten else {
            throw InputError.invalidArgument(argument: "whitened_advantages cotangent", reason: "whitening is not configured")
        }
        let raw = try generalizedAdvantageEstimates(batch, configuration: configuration).advantages
        gA = gA + (try configuration.whitening.backward(gW, x: raw, mask: batch.mask, argument: "mask"))
    }
    let gamma = T(configuration.gamma)
    var grads = GAEGradients<T>(rewards: Tensor(shape: shape), values: Tensor(shape: shape),
                             truncationValues: Tensor(shape: shape), lastValues: Tensor(shape: [batch.rows]))
    for b in 0..<batch.rows {
        // Walk forward in time (reverse of the recursion): u_j = g_j + carry_{j-1}·u_{j-1}.
        var u: T = 0
        var previousCarry: T = 0
        for step in rowSteps(batch, row: b, configuration).reversed() {
            let t = step.column
            let real = batch.mask[b, t] != 0
            u = (real ? gA[b, t] : 0) + previousCarry * u
            previousCarry = T(step.carry)
            if real {
                grads.rewards[b, t] = u
                grads.values[b, t] += gR[b, t] - u
            }
            switch step.bootstrap {
            case .none: break
            case .nextStep(let next): if batch.mask[b, next] != 0 { grads.values[b, next] += gamma * u }
            case .truncationValue: grads.truncationValues[b, t] = gamma * u
            case .lastValue: grads.lastValues[b] += gamma * u
            }
        }
    }
    return grads
}
