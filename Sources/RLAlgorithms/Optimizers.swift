import Foundation
import Tensor

// Adam / AdamW steps, the linear warm-up schedule and gradient clipping as pure functions
// (Specs/Optimizers.md). The trainer owns the state (`AdamState`) and calls these after its backward
// pass; nothing here is differentiated.

/// Which Adam variant a step performs (Specs/Optimizers.md, Definition 1–2).
public enum AdamAlgorithm: String, Sendable, CaseIterable {
    /// Kingma & Ba; a weight decay λ > 0 is L2-coupled into the gradient (PyTorch `Adam(weight_decay=λ)`).
    case adam
    /// Loshchilov & Hutter's decoupled decay in PyTorch's form: θ·(1 − η·λ) beside the Adam step.
    case adamw
}

/// How the warm-up indexes its steps (Specs/Optimizers.md Optimizers-4).
public enum WarmupMode: String, Sendable, CaseIterable {
    /// η(t) = η_peak·min(1, (t − 1)/W): update 1 uses 0 (seed 004's "from 0"; HF / verl
    /// `get_constant_schedule_with_warmup`). The default.
    case zeroStart = "zero_start"
    /// η(t) = η_peak·min(1, t/W): update W reaches the peak.
    case peakAtWarmupEnd = "peak_at_warmup_end"
}

/// The hyper-parameters of one Adam / AdamW update (everything but the learning rate, which the
/// schedule supplies per step).
public struct AdamConfiguration: Sendable, Equatable {
    public var algorithm: AdamAlgorithm
    /// β₁ ∈ [0, 1): decay of the first moment.
    public var beta1: Double
    /// β₂ ∈ [0, 1): decay of the second moment.
    public var beta2: Double
    /// ε > 0, added to √v̂ (not inside the root, not to the uncorrected √v).
    public var epsilon: Double
    /// λ ≥ 0 (L2 for `.adam`, decoupled for `.adamw`); nil takes the algorithm's default
    /// (`defaultWeightDecay`).
    public var weightDecay: Double?

    public init(algorithm: AdamAlgorithm = .adam, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double? = nil) {
        self.algorithm = algorithm
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// λ when none is set: 0 for Adam (seed 004, "without weight decay"), 0.01 for AdamW (seed 003).
    public var defaultWeightDecay: Double { algorithm == .adamw ? 0.01 : 0 }

    /// The λ a step uses.
    public var effectiveWeightDecay: Double { weightDecay ?? defaultWeightDecay }

    /// Throws `nonFinite` for a NaN or infinite β₁, β₂, ε or λ, then `outOfRange` for β outside
    /// [0, 1), ε ≤ 0 or λ < 0.
    public func validate() throws {
        let named = [(beta1, "beta1"), (beta2, "beta2"), (epsilon, "eps"), (effectiveWeightDecay, "weight_decay")]
        for (value, name) in named where !value.isFinite { throw InputError.nonFinite(argument: name, index: []) }
        for (value, name) in [(beta1, "beta1"), (beta2, "beta2")] where !(value >= 0 && value < 1) {
            throw InputError.outOfRange(argument: name, value: value, range: "[0, 1)")
        }
        guard epsilon > 0 else { throw InputError.outOfRange(argument: "eps", value: epsilon, range: "(0, inf)") }
        guard effectiveWeightDecay >= 0 else {
            throw InputError.outOfRange(argument: "weight_decay", value: effectiveWeightDecay, range: "[0, inf)")
        }
    }
}

/// What follows the warm-up (Specs/Optimizers.md Optimizers-4, Optimizers-7).
public enum LearningRateDecay: Sendable, Equatable {
    /// The peak from the end of the warm-up on.
    case constant
    /// Half a cosine (`cycles` 0.5) from the peak at the end of the warm-up to 0 at update `totalSteps`
    /// (transformers' `get_cosine_schedule_with_warmup`), never below 0.
    case cosine(totalSteps: Int, cycles: Double = 0.5)
}

/// Linear warm-up to a peak learning rate, then constant or cosine (Specs/Optimizers.md Optimizers-4,
/// Optimizers-7).
public struct WarmupSchedule: Sendable, Equatable {
    /// η_peak ≥ 0 (seed 004: 1e-5).
    public var peakLearningRate: Double
    /// W ≥ 0 updates of warm-up (seed 004: 20); 0 gives the peak from the first update.
    public var warmupSteps: Int
    public var mode: WarmupMode
    public var decay: LearningRateDecay

    public init(peakLearningRate: Double = 1e-5, warmupSteps: Int = 20, mode: WarmupMode = .zeroStart,
                decay: LearningRateDecay = .constant) {
        self.peakLearningRate = peakLearningRate
        self.warmupSteps = warmupSteps
        self.mode = mode
        self.decay = decay
    }

    /// Throws `nonFinite` for a NaN or infinite peak, `outOfRange` for W < 0 or a negative peak.
    public func validate() throws {
        guard peakLearningRate.isFinite else { throw InputError.nonFinite(argument: "lr", index: []) }
        guard warmupSteps >= 0 else {
            throw InputError.outOfRange(argument: "warmup_steps", value: Double(warmupSteps), range: "[0, inf)")
        }
        guard peakLearningRate >= 0 else {
            throw InputError.outOfRange(argument: "lr", value: peakLearningRate, range: "[0, inf)")
        }
        if case .cosine(let total, let cycles) = decay {
            guard total >= 1 else { throw InputError.outOfRange(argument: "total_steps", value: Double(total), range: "[1, inf)") }
            guard cycles.isFinite else { throw InputError.nonFinite(argument: "num_cycles", index: []) }
            guard cycles >= 0 else { throw InputError.outOfRange(argument: "num_cycles", value: cycles, range: "[0, inf)") }
        }
    }

    /// The learning rate of the update with 1-based index `step`.
    ///
    /// Implements Specs/Optimizers.md Optimizers-4: η_peak·min(1, k/W) with k = t − 1 (`.zeroStart`) or
    /// k = t (`.peakAtWarmupEnd`); η_peak when W = 0; and Optimizers-7 after the warm-up (k ≥ W) with a
    /// cosine decay: η_peak·max(0, ½(1 + cos(2π·c·(k − W)/max(1, N − W)))).
    /// - Throws: the errors of `validate()`, then `outOfRange` for `step` < 1.
    public func learningRate(atStep step: Int) throws -> Double {
        try validate()
        guard step >= 1 else { throw InputError.outOfRange(argument: "steps", value: Double(step), range: "[1, inf)") }
        let k = mode == .zeroStart ? step - 1 : step
        if warmupSteps > 0 && k < warmupSteps { return peakLearningRate * Double(k) / Double(warmupSteps) }
        guard case .cosine(let total, let cycles) = decay else { return peakLearningRate }
        let progress = Double(k - warmupSteps) / Double(max(1, total - warmupSteps))
        return peakLearningRate * max(0, 0.5 * (1 + Foundation.cos(Double.pi * cycles * 2 * progress)))
    }
}

/// All optimizer conventions of Specs/Optimizers.md ("Conventions and presets") in one value:
/// Adam hyper-parameters, the warm-up, and both clipping rules. Presets never set the learning rate.
public struct OptimizerConfiguration: Sendable, Equatable {
    public var adam: AdamConfiguration
    public var warmup: WarmupSchedule
    /// Bound of the global gradient norm (`clipGradientNorm`), > 0.
    public var maxNorm: Double
    /// δ ≥ 0 in the clip coefficient max_norm/(N + δ); PyTorch's 1e-6, 0 for the exact rule.
    public var normEpsilon: Double
    /// Threshold κ > 0 of element-wise clamping (`clampGradients`).
    public var clipValue: Double

    public init(adam: AdamConfiguration = AdamConfiguration(), warmup: WarmupSchedule = WarmupSchedule(),
                maxNorm: Double = 1, normEpsilon: Double = 1e-6, clipValue: Double = 1) {
        self.adam = adam
        self.warmup = warmup
        self.maxNorm = maxNorm
        self.normEpsilon = normEpsilon
        self.clipValue = clipValue
    }

    private static func preset(_ algorithm: AdamAlgorithm, beta2: Double = 0.999, epsilon: Double = 1e-8,
                               weightDecay: Double = 0, warmupSteps: Int = 0, maxNorm: Double = 1) -> Self {
        Self(adam: AdamConfiguration(algorithm: algorithm, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay),
             warmup: WarmupSchedule(warmupSteps: warmupSteps), maxNorm: maxNorm)
    }

    /// Seed 004 §3.6: Adam without weight decay, 20-step warm-up to 1e-5, gradient norm 1.0.
    public static let paper = preset(.adam, warmupSteps: 20)
    /// HF `TrainingArguments` defaults used by TRL: AdamW, λ = 0, max_grad_norm 1.0, no warm-up.
    public static let trl = preset(.adamw)
    /// verl: AdamW with λ = 0.01, clip 1.0, no warm-up.
    public static let verl = preset(.adamw, weightDecay: 0.01)
    /// OpenRLHF: DeepSpeed Adam in AdamW mode, betas (0.9, 0.95), λ = 0, max_norm 1.0.
    public static let openRLHF = preset(.adamw, beta2: 0.95)
    /// CleanRL ppo.py: Adam, ε = 1e-5, max_grad_norm 0.5.
    public static let cleanRL = preset(.adam, epsilon: 1e-5, maxNorm: 0.5)
    /// RL4VLM b989b57 as shipped (accelerate + DeepSpeed ZeRO-2): Adam, ε = 1e-7, λ = 0, max_norm 1.0
    /// (DeepSpeed's clipping; the `--max-grad-norm 0.01` argument does not clip under DeepSpeed).
    public static let rl4vlm = preset(.adam, epsilon: 1e-7, maxNorm: 1)

    /// The presets by their golden-file names.
    public static let presets: [String: OptimizerConfiguration] = [
        "paper": .paper, "trl": .trl, "verl": .verl, "openRLHF": .openRLHF, "cleanRL": .cleanRL, "rl4vlm": .rl4vlm,
    ]
}

/// The state an Adam optimizer carries between updates for one parameter tensor.
public struct AdamState<T: Scalar>: Sendable, Equatable {
    /// m: first-moment estimate, the shape of the parameters.
    public var firstMoment: Tensor<T>
    /// v: second-moment estimate (≥ 0), the shape of the parameters.
    public var secondMoment: Tensor<T>
    /// Updates applied so far (PyTorch's `state["step"]`): the next update has index t = step + 1.
    public var step: Int

    public init(firstMoment: Tensor<T>, secondMoment: Tensor<T>, step: Int) {
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
        self.step = step
    }

    /// A fresh optimizer: zero moments of `shape`, no update applied.
    public init(shape: [Int]) {
        self.init(firstMoment: Tensor(shape: shape), secondMoment: Tensor(shape: shape), step: 0)
    }
}

/// One Adam or AdamW update of `parameters` with `gradient` at learning rate `learningRate`.
///
/// Implements Specs/Optimizers.md Optimizers-1 (g' = g + λθ for Adam with λ > 0;
/// m ← β₁m + (1 − β₁)g', v ← β₂v + (1 − β₂)g'²) and Optimizers-2 (m̂ = m/(1 − β₁ᵗ),
/// v̂ = v/(1 − β₂ᵗ), θ ← θ·(1 − ηλ)[AdamW] − η·m̂/(√v̂ + ε)) with t = `state.step + 1`.
/// - Throws: in this order, `shapeMismatch` (gradient, m or v not the shape of the parameters),
///   `nonFinite` (parameters, gradient, m, v, η, then the hyper-parameters), `outOfRange`
///   (hyper-parameters, `state.step` < 0, η < 0, an entry of v < 0).
@_specialize(where T == Float)
public func adamStep<T: Scalar>(
    parameters: Tensor<T>, gradient: Tensor<T>, state: AdamState<T>, learningRate: Double,
    configuration: AdamConfiguration = AdamConfiguration()
) throws -> (parameters: Tensor<T>, state: AdamState<T>) {
    var (theta, updated) = (parameters, state)
    try adamUpdate(&theta, gradient: gradient, state: &updated, learningRate: learningRate, configuration: configuration)
    return (theta, updated)
}

/// `adamStep` in place: the same update (Specs/Optimizers.md Optimizers-1, Optimizers-2) written
/// into `parameters` and `state`, which an optimiser updates every step without new storage.
/// - Throws: the errors of `adamStep`, in its order, before anything changes.
@_specialize(where T == Float)
public func adamUpdate<T: Scalar>(
    _ parameters: inout Tensor<T>, gradient: Tensor<T>, state: inout AdamState<T>, learningRate: Double,
    configuration: AdamConfiguration = AdamConfiguration()
) throws {
    try validateAdamInputs(parameters: parameters, gradients: CollectionOfOne(gradient), state: state,
                           learningRates: CollectionOfOne(learningRate), configuration: configuration)
    applyAdamUpdate(to: &parameters, gradient: gradient, state: &state, learningRate: T(learningRate), configuration)
}

/// The result of K consecutive Adam updates.
public struct AdamTrajectory<T: Scalar>: Sendable {
    /// θ after the last update.
    public var parameters: Tensor<T>
    /// m, v and the step count after the last update.
    public var state: AdamState<T>
    /// θ after each update, in order (K entries).
    public var parameterHistory: [Tensor<T>]
}

/// K consecutive Adam / AdamW updates with gradients `gradients[k]` and learning rates
/// `learningRates[k]`, the first with index t = `state.step + 1`.
///
/// Implements Specs/Optimizers.md Optimizers-3 (K applications of Optimizers-1/-2).
/// - Throws: `empty` for K = 0, then `shapeMismatch` (a gradient, m or v not the shape of the
///   parameters, `learningRates` not K long), then the errors of `adamStep`.
@_specialize(where T == Float)
public func adamTrajectory<T: Scalar>(
    parameters: Tensor<T>, gradients: [Tensor<T>], state: AdamState<T>, learningRates: [Double],
    configuration: AdamConfiguration = AdamConfiguration()
) throws -> AdamTrajectory<T> {
    try validateAdamInputs(parameters: parameters, gradients: gradients, state: state, learningRates: learningRates,
                           configuration: configuration)
    var result = AdamTrajectory(parameters: parameters, state: state, parameterHistory: [])
    result.parameterHistory.reserveCapacity(gradients.count)
    for (g, lr) in zip(gradients, learningRates) {
        applyAdamUpdate(to: &result.parameters, gradient: g, state: &result.state, learningRate: T(lr), configuration)
        result.parameterHistory.append(result.parameters)
    }
    return result
}

/// The checks of `adamTrajectory` (and so of `adamStep`), in their order.
private func validateAdamInputs<T: Scalar, Rates: Collection<Double>>(
    parameters: Tensor<T>, gradients: some Collection<Tensor<T>>, state: AdamState<T>, learningRates: Rates,
    configuration: AdamConfiguration
) throws where Rates.Index == Int {
    guard !gradients.isEmpty else { throw InputError.empty(argument: "grads", reason: "a trajectory needs at least one gradient") }
    for g in gradients { try requireShape(g, parameters.shape, "grads") }
    try requireShape(state.firstMoment, parameters.shape, "m")
    try requireShape(state.secondMoment, parameters.shape, "v")
    guard learningRates.count == gradients.count else {
        throw InputError.shapeMismatch(argument: "lrs", expected: [gradients.count], actual: [learningRates.count])
    }
    try requireFinite(parameters, "params")
    for g in gradients { try requireFinite(g, "grads") }
    try requireFinite(state.firstMoment, "m")
    try requireFinite(state.secondMoment, "v")
    if let i = learningRates.firstIndex(where: { !$0.isFinite }) { throw InputError.nonFinite(argument: "lr", index: [i]) }
    try configuration.validate()
    guard state.step >= 0 else {
        throw InputError.outOfRange(argument: "step", value: Double(state.step + 1), range: "[1, inf)")
    }
    if let lr = learningRates.first(where: { $0 < 0 }) { throw InputError.outOfRange(argument: "lr", value: lr, range: "[0, inf)") }
    if let v = state.secondMoment.elements.first(where: { $0 < 0 }) {
        throw InputError.outOfRange(argument: "v", value: Double(v), range: "[0, inf)")
    }
}

/// Optimizers-1/-2 on validated inputs, in place.
private func applyAdamUpdate<T: Scalar>(to theta: inout Tensor<T>, gradient: Tensor<T>, state: inout AdamState<T>,
                                        learningRate lr: T, _ c: AdamConfiguration) {
    state.step += 1
    let (beta1, beta2, eps, lambda) = (T(c.beta1), T(c.beta2), T(c.epsilon), T(c.effectiveWeightDecay))
    let t = T(state.step)
    let correction1 = 1 - T.pow(beta1, t)
    let correction2 = 1 - T.pow(beta2, t)
    let coupled = c.algorithm == .adam && lambda != 0
    let decay: T = c.algorithm == .adamw ? 1 - lr * lambda : 1
    for i in theta.elements.indices {
        let g = coupled ? gradient.elements[i] + lambda * theta.elements[i] : gradient.elements[i]
        let m = beta1 * state.firstMoment.elements[i] + (1 - beta1) * g
        let v = beta2 * state.secondMoment.elements[i] + (1 - beta2) * g * g
        state.firstMoment.elements[i] = m
        state.secondMoment.elements[i] = v
        let mHat = m / correction1
        let vHat = v / correction2
        theta.elements[i] = theta.elements[i] * decay - lr * mHat / (vHat.squareRoot() + eps)
    }
}

/// Gradients after global-norm clipping, with the norm before clipping and the coefficient used.
public struct GradientNormClipping<T: Scalar>: Sendable {
    /// c·g_i for every tensor of the list.
    public var gradients: [Tensor<T>]
    /// N = √(Σ_i ‖g_i‖²), before clipping (what PyTorch's `clip_grad_norm_` returns).
    public var totalNorm: T
    /// c ∈ (0, 1].
    public var coefficient: T
}

/// Scales a list of gradient tensors so that their global 2-norm is at most about `maxNorm`.
///
/// Implements Specs/Optimizers.md Optimizers-5: N = √(Σ_i ‖g_i‖²) (the norm of the per-tensor
/// norms), c = min(1, maxNorm/(N + δ)) with c = 1 when N + δ = 0, g_i ← c·g_i — always multiplied,
/// as PyTorch does (δ = 1e-6 scales a norm exactly equal to `maxNorm` slightly; δ = 0 is the exact
/// rule). An empty list gives N = 0, c = 1.
/// - Throws: `nonFinite` (a gradient entry, `maxNorm`, `normEpsilon`), then `outOfRange`
///   (`maxNorm` ≤ 0, `normEpsilon` < 0).
@_specialize(where T == Float)
public func clipGradientNorm<T: Scalar>(_ gradients: [Tensor<T>], maxNorm: Double,
                                        normEpsilon: Double = 1e-6) throws -> GradientNormClipping<T> {
    for (i, g) in gradients.enumerated() { try requireFinite(g, "grads[\(i)]") }
    guard maxNorm.isFinite else { throw InputError.nonFinite(argument: "max_norm", index: []) }
    guard normEpsilon.isFinite else { throw InputError.nonFinite(argument: "norm_epsilon", index: []) }
    guard maxNorm > 0 else { throw InputError.outOfRange(argument: "max_norm", value: maxNorm, range: "(0, inf)") }
    guard normEpsilon >= 0 else {
        throw InputError.outOfRange(argument: "norm_epsilon", value: normEpsilon, range: "[0, inf)")
    }
    var squares: T = 0
    for g in gradients {
        let norm = g.dot(g).squareRoot()
        squares += norm * norm
    }
    let total = squares.squareRoot()
    let denominator = total + T(normEpsilon)
    let coefficient = denominator == 0 ? 1 : min(1, T(maxNorm) / denominator)
    return GradientNormClipping(gradients: gradients.map { coefficient * $0 }, totalNorm: total, coefficient: coefficient)
}

/// Clamps every gradient entry to [−`clipValue`, `clipValue`] (PyTorch `clip_grad_value_`).
///
/// Implements Specs/Optimizers.md Optimizers-6: g ← min(max(g, −κ), κ); entries equal to ±κ stay.
/// - Throws: `nonFinite` (a gradient entry or κ), then `outOfRange` (κ ≤ 0).
@_specialize(where T == Float)
public func clampGradients<T: Scalar>(_ gradients: [Tensor<T>], clipValue: Double) throws -> [Tensor<T>] {
    for (i, g) in gradients.enumerated() { try requireFinite(g, "grads[\(i)]") }
    guard clipValue.isFinite else { throw InputError.nonFinite(argument: "clip_value", index: []) }
    guard clipValue > 0 else { throw InputError.outOfRange(argument: "clip_value", value: clipValue, range: "(0, inf)") }
    let kappa = T(clipValue)
    return gradients.map { $0.map { min(max($0, -kappa), kappa) } }
}
