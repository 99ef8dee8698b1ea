import Tensor

/// The temperature the rollout was sampled with: one for the batch, or one per sequence (seed 003
/// samples each completion at its own temperature). Never a preset field: it is a property of the
/// data (Specs/TokenLogProbs.md, Definition 1).
public enum SamplingTemperature: Sendable, Equatable {
    case shared(Double)
    /// [B] temperatures, one per row.
    case perSequence([Double])

    /// The temperature of row `b`.
    public func value(row b: Int) -> Double {
        switch self {
        case .shared(let tau): tau
        case .perSequence(let taus): taus[b]
        }
    }

    var values: [Double] {
        switch self {
        case .shared(let tau): [tau]
        case .perSequence(let taus): taus
        }
    }
}

/// Conventions of token log-probabilities (Specs/TokenLogProbs.md, "Conventions and presets").
public struct TokenLogProbsConfiguration: Sendable, Equatable {
    /// τ_ε ≥ 0 added to the temperature (TRL's PPO trainer divides by τ + 1e-7).
    public var temperatureEpsilon: Double

    public init(temperatureEpsilon: Double = 0) {
        self.temperatureEpsilon = temperatureEpsilon
    }

    /// No ε (seed 001 samples at temperature 1; seed 000 states none).
    public static let paper = TokenLogProbsConfiguration()
    /// TRL PPOTrainer: logits / (temperature + 1e-7).
    public static let trl = TokenLogProbsConfiguration(temperatureEpsilon: 1e-7)
    /// verl `logits.div_(temperature)`.
    public static let verl = TokenLogProbsConfiguration()
    /// OpenRLHF `log_probs_from_logits(logits, labels, temperature)`.
    public static let openRLHF = TokenLogProbsConfiguration()

    /// The presets by their golden-file names.
    public static let presets: [String: TokenLogProbsConfiguration] = [
        "paper": .paper, "trl": .trl, "verl": .verl, "openRLHF": .openRLHF,
    ]
}

/// Log-probability of the chosen token and entropy at every position; both 0 where the mask is 0.
public struct TokenLogProbs<T: Scalar>: Sendable {
    /// log π(y) [B,T], ≤ 0.
    public var logProbs: Tensor<T>
    /// H [B,T], in [0, log V].
    public var entropy: Tensor<T>
}

/// Per-token log-probabilities of the chosen tokens and per-position entropies from logits.
///
/// Implements Specs/TokenLogProbs.md TokenLogProbs-1 (z = ℓ/(τ_b + τ_ε)), TokenLogProbs-2
/// (log π(y) = z_y − LSE(z)), TokenLogProbs-3 (H = LSE(z) − Σ_v softmax(z)_v·z_v with 0·(−∞) := 0) and
/// TokenLogProbs-4 (positions with mask 0 are not evaluated and give 0). Each position is first
/// shifted by its largest scaled logit, s = z − max z (exact for logits of any magnitude, also in
/// Float), then LSE(s) comes from `Tensor.logSumExpLastAxis`: log π(y) = s_y − LSE(s) and
/// H = LSE(s) + Σ_{p_v > 0} p_v·(−s_v), a sum of two non-negative terms (never negative, never NaN).
/// `logits` is [B,T,V] and may hold −∞ (banned entries); `mask` [B,T] defaults to all ones.
/// - Throws: in the Spec's order, `empty` (B, T or V is 0), `shapeMismatch` (logits not rank 3,
///   tokens or mask not [B,T], per-sequence temperatures not B), `invalidArgument` (mask not 0/1),
///   `nonFinite` (NaN or +∞ logits anywhere, temperature or ε), `outOfRange` (τ ≤ 0, τ_ε < 0, a
///   token outside [0, V) at an unmasked position), `nonFinite` (a scaled logit overflows), then
///   `invalidArgument` at an unmasked position whose logits are all −∞ or whose chosen token is −∞.
@_specialize(where T == Float)
public func tokenLogProbs<T: Scalar>(
    logits: Tensor<T>, tokens: TokenIDs, mask: Tensor<T>? = nil, temperature: SamplingTemperature = .shared(1),
    configuration: TokenLogProbsConfiguration = .paper
) throws -> TokenLogProbs<T> {
    let d = try ShiftedLogits(logits: logits, tokens: tokens, mask: mask, temperature: temperature, configuration: configuration)
    var out = TokenLogProbs(logProbs: Tensor<T>(shape: tokens.shape), entropy: d.entropies())
    for position in 0..<d.positions where d.mask.elements[position] != 0 {
        out.logProbs.elements[position] = d.shifted.elements[position * d.vocabulary + tokens.ids[position]]
            - d.logSumExp.elements[position]
    }
    return out
}

/// Entropies of every position and their masked token mean, without chosen tokens.
public struct TokenEntropies<T: Scalar>: Sendable {
    /// H [B,T], in [0, log V], 0 where the mask is 0.
    public var entropy: Tensor<T>
    /// ⟨H⟩: the token mean of H under the mask (0 when every position is masked).
    public var mean: T
}

/// Per-position entropies from logits alone and their masked mean (the `entropy` form of the Spec).
///
/// Implements Specs/TokenLogProbs.md TokenLogProbs-1, TokenLogProbs-3 and TokenLogProbs-4 exactly as
/// `tokenLogProbs` does, and TokenLogProbs-5: `mean = LossAggregation.tokenMean.aggregate(H, mask)`.
/// - Throws: the errors of `tokenLogProbs` that do not involve tokens, in the same order.
@_specialize(where T == Float)
public func tokenEntropies<T: Scalar>(
    logits: Tensor<T>, mask: Tensor<T>? = nil, temperature: SamplingTemperature = .shared(1),
    configuration: TokenLogProbsConfiguration = .paper
) throws -> TokenEntropies<T> {
    let d = try ShiftedLogits(logits: logits, tokens: nil, mask: mask, temperature: temperature, configuration: configuration)
    let entropy = d.entropies()
    return TokenEntropies(entropy: entropy, mean: LossAggregation.tokenMean.aggregate(entropy, mask: d.mask))
}

/// ∂L/∂logits [B,T,V] for L = <h̄, entropy> + m̄·mean (vector–Jacobian product of `tokenEntropies`): the
/// entropy part of `tokenLogProbsBackward` with cotangent h̄ + m̄·w, w the token-mean weights of the mask
/// (Specs/TokenLogProbs.md, "Gradient").
/// - Throws: the errors of `tokenEntropies`, then `shapeMismatch` for an entropy cotangent not [B,T].
@_specialize(where T == Float)
public func tokenEntropiesBackward<T: Scalar>(
    logits: Tensor<T>, mask: Tensor<T>? = nil, temperature: SamplingTemperature = .shared(1),
    configuration: TokenLogProbsConfiguration = .paper, entropyGradient: Tensor<T>? = nil, meanGradient: T = 0
) throws -> Tensor<T> {
    let d = try ShiftedLogits(logits: logits, tokens: nil, mask: mask, temperature: temperature, configuration: configuration)
    if let g = entropyGradient { try requireShape(g, d.mask.shape, "entropy cotangent") }
    var h = LossAggregation.tokenMean.weights(mask: d.mask).map { meanGradient * $0 }
    if let g = entropyGradient { h = h + g }
    return d.backward(tokens: nil, logProbsGradient: nil, entropyGradient: h)
}

/// ∂L/∂logits [B,T,V] for L = <ā, log_probs> + <h̄, entropy> (vector–Jacobian product of
/// `tokenLogProbs`; absent cotangents are 0). With p = softmax(z), s̄ = Σ_v p_v·s_v at an unmasked
/// position: ∂L/∂ℓ_v = [ā·(δ_{vy} − p_v) − h̄·p_v·(s_v − s̄)]/τ_eff (Specs/TokenLogProbs.md,
/// "Gradient"); 0 at banned (−∞) entries and at masked positions.
/// - Throws: the errors of `tokenLogProbs`, then `shapeMismatch` for a cotangent not [B,T].
@_specialize(where T == Float)
public func tokenLogProbsBackward<T: Scalar>(
    logits: Tensor<T>, tokens: TokenIDs, mask: Tensor<T>? = nil, temperature: SamplingTemperature = .shared(1),
    configuration: TokenLogProbsConfiguration = .paper, logProbsGradient: Tensor<T>? = nil, entropyGradient: Tensor<T>? = nil
) throws -> Tensor<T> {
    let d = try ShiftedLogits(logits: logits, tokens: tokens, mask: mask, temperature: temperature, configuration: configuration)
    if let g = logProbsGradient { try requireShape(g, tokens.shape, "log_probs cotangent") }
    if let g = entropyGradient { try requireShape(g, tokens.shape, "entropy cotangent") }
    return d.backward(tokens: tokens, logProbsGradient: logProbsGradient, entropyGradient: entropyGradient)
}

/// The validated inputs with each unmasked position's scaled logits shifted by their maximum.
private struct ShiftedLogits<T: Scalar> {
    /// s = z − max z [B,T,V] at unmasked positions (0 at masked ones, which are never read).
    var shifted: Tensor<T>
    /// LSE(s) [B,T].
    var logSumExp: Tensor<T>
    /// [B,T] 0/1.
    var mask: Tensor<T>
    /// τ_b + τ_ε [B].
    var scales: [T]
    var columns: Int
    var vocabulary: Int
    var positions: Int { mask.count }

    /// `tokens` nil (the entropy form) skips every check of the chosen tokens.
    init(logits: Tensor<T>, tokens: TokenIDs?, mask givenMask: Tensor<T>?, temperature: SamplingTemperature,
         configuration: TokenLogProbsConfiguration) throws {
        guard logits.count > 0, !(tokens?.ids.isEmpty ?? false) else {
            throw InputError.empty(argument: logits.count == 0 ? "logits" : "tokens",
                                   reason: "B, T and V must be at least 1, got logits \(logits.shape)")
        }
        guard logits.rank == 3 else {
            throw InputError.shapeMismatch(argument: "logits", expected: [-1, -1, -1], actual: logits.shape)
        }
        let (rows, columns, vocabulary) = (logits.shape[0], logits.shape[1], logits.shape[2])
        if let tokens, tokens.shape != [rows, columns] {
            throw InputError.shapeMismatch(argument: "tokens", expected: [rows, columns], actual: tokens.shape)
        }
        let mask = givenMask ?? Tensor(shape: [rows, columns], repeating: 1)
        try requireShape(mask, [rows, columns], "mask")
        if case .perSequence(let taus) = temperature, taus.count != rows {
            throw InputError.shapeMismatch(argument: "temperature", expected: [rows], actual: [taus.count])
        }
        try requireBinary(mask, "mask")
        if let i = logits.elements.firstIndex(where: { $0.isNaN || $0 == .infinity }) {
            throw InputError.nonFinite(argument: "logits", index: logits.index(ofFlat: i))
        }
        let epsilon = configuration.temperatureEpsilon
        switch temperature {
        case .shared(let tau) where !tau.isFinite:
            throw InputError.nonFinite(argument: "temperature", index: [])
        case .perSequence(let taus):
            if let i = taus.firstIndex(where: { !$0.isFinite }) { throw InputError.nonFinite(argument: "temperature", index: [i]) }
        default: break
        }
        guard epsilon.isFinite else { throw InputError.nonFinite(argument: "temperature_epsilon", index: []) }
        if let tau = temperature.values.first(where: { $0 <= 0 }) {
            throw InputError.outOfRange(argument: "temperature", value: tau, range: "(0, inf)")
        }
        guard epsilon >= 0 else { throw InputError.outOfRange(argument: "temperature_epsilon", value: epsilon, range: "[0, inf)") }
        for position in 0..<mask.count where tokens != nil && mask.elements[position] != 0 {
            let y = tokens!.ids[position]
            guard y >= 0 && y < vocabulary else {
                throw InputError.outOfRange(argument: "tokens", value: Double(y), range: "[0, \(vocabulary))")
            }
        }
        scales = (0..<rows).map { T(temperature.value(row: $0) + epsilon) }
        shifted = Tensor(shape: logits.shape)
        for position in 0..<mask.count where mask.elements[position] != 0 {
            let base = position * vocabulary
            let scale = scales[position / columns]
            var largest = -T.infinity
            for j in base..<(base + vocabulary) {
                let z = logits.elements[j] / scale
                if logits.elements[j].isFinite && !z.isFinite {
                    throw InputError.nonFinite(argument: "logits", index: logits.index(ofFlat: j))
                }
                shifted.elements[j] = z
                largest = max(largest, z)
            }
            for j in base..<(base + vocabulary) { shifted.elements[j] -= largest }
        }
        for position in 0..<mask.count where mask.elements[position] != 0 {
            let base = position * vocabulary
            var index: [Int] { [position / columns, position % columns] }   // for the messages only
            guard (base..<(base + vocabulary)).contains(where: { logits.elements[$0] != -T.infinity }) else {
                throw InputError.invalidArgument(argument: "logits", reason: "every logit at unmasked position \(index) is -inf")
            }
            if let tokens, logits.elements[base + tokens.ids[position]] == -T.infinity {
                throw InputError.invalidArgument(argument: "tokens",
                                                 reason: "the chosen token \(tokens.ids[position]) at unmasked position \(index) has logit -inf")
            }
        }
        logSumExp = shifted.logSumExpLastAxis()
        self.mask = mask
        self.columns = columns
        self.vocabulary = vocabulary
    }
}

extension ShiftedLogits {
    /// H [B,T] (TokenLogProbs-3): LSE(s) + Σ_{p_v > 0} p_v·(−s_v) at unmasked positions, 0 at masked ones.
    func entropies() -> Tensor<T> {
        var entropy = Tensor<T>(shape: mask.shape)
        for position in 0..<positions where mask.elements[position] != 0 {
            let base = position * vocabulary
            let lse = logSumExp.elements[position]
            var weighted: T = 0   // Σ p_v·(−s_v) over finite s_v
            for j in base..<(base + vocabulary) where shifted.elements[j] != -T.infinity {
                let s = shifted.elements[j]
                weighted -= T.exp(s - lse) * s
            }
            entropy.elements[position] = lse + weighted
        }
        return entropy
    }

    /// ∂L/∂logits for cotangents ā on log π(y) (needs `tokens`) and h̄ on H, of matching [B,T] shapes:
    /// [ā·(δ_{vy} − p_v) − h̄·p_v·(s_v − s̄)]/τ_eff at unmasked positions, 0 at banned entries and masked positions.
    func backward(tokens: TokenIDs?, logProbsGradient: Tensor<T>?, entropyGradient: Tensor<T>?) -> Tensor<T> {
        var gradient = Tensor<T>(shape: shifted.shape)
        for position in 0..<positions where mask.elements[position] != 0 {
            let base = position * vocabulary
            let lse = logSumExp.elements[position]
            let a = logProbsGradient?.elements[position] ?? 0
            let h = entropyGradient?.elements[position] ?? 0
            let scale = 1 / scales[position / columns]
            var mean: T = 0   // s̄
            if h != 0 {
                for j in base..<(base + vocabulary) where shifted.elements[j] != -T.infinity {
                    mean += T.exp(shifted.elements[j] - lse) * shifted.elements[j]
                }
            }
            for j in base..<(base + vocabulary) where shifted.elements[j] != -T.infinity {
                let s = shifted.elements[j]
                let p = T.exp(s - lse)
                gradient.elements[j] = (-a * p - (h != 0 ? h * p * (s - mean) : 0)) * scale
            }
            if let tokens { gradient.elements[base + tokens.ids[position]] += a * scale }
        }
        return gradient
    }
}
