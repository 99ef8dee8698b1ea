import Tensor

/// A generated caption as the VLRM reward sees it: its words and, per generated token, the word that
/// contains it (Specs/VLRMReturns.md, "Words and tokens").
public struct VLRMCaption: Sendable, Equatable {
    /// The caption's words in order (recommended: the decoded text split on White_Space,
    /// punctuation left attached).
    public let words: [String]
    /// Per token t_1..t_n: the index of its word, or −1 for a token outside every word (eos,
    /// special tokens).
    public let tokenWordIndex: [Int]
    /// Whether the last token t_n is the eos token.
    public let endsWithEOS: Bool

    /// Validates, in this order: n ≥ 1 (`empty`), every index in [−1, W) (`outOfRange`), the
    /// non-negative indices non-decreasing and every word referenced by a token (`invalidArgument`).
    public init(words: [String], tokenWordIndex: [Int], endsWithEOS: Bool) throws {
        guard !tokenWordIndex.isEmpty else {
            throw InputError.empty(argument: "token_word_index", reason: "a caption needs at least one token")
        }
        if let bad = tokenWordIndex.first(where: { $0 < -1 || $0 >= words.count }) {
            throw InputError.outOfRange(argument: "token_word_index", value: Double(bad), range: "[-1, \(words.count))")
        }
        var next = 0   // the lowest word index the next word token may have; == words covered so far
        for index in tokenWordIndex where index >= 0 {
            guard index >= next - 1 else {
                throw InputError.invalidArgument(argument: "token_word_index",
                                                 reason: "word indices must not decrease (\(index) after \(next - 1))")
            }
            guard index <= next else {
                throw InputError.invalidArgument(argument: "token_word_index", reason: "word \(next) has no token")
            }
            next = index + 1
        }
        guard next == words.count else {
            throw InputError.invalidArgument(argument: "token_word_index", reason: "word \(next) has no token")
        }
        self.words = words
        self.tokenWordIndex = tokenWordIndex
        self.endsWithEOS = endsWithEOS
    }

    /// n, the number of generated tokens.
    public var tokenCount: Int { tokenWordIndex.count }
}

/// The reference-model term ref(text) of the VLRM reward (VLRMReturns-4).
public enum VLRMReferenceScore<T: Scalar>: Sendable {
    /// The caller's mean reference log-probability.
    case mean(T)
    /// Per-token reference log-probabilities [n], aligned with the caption's tokens (eos included
    /// when it is t_n); ref is their arithmetic mean.
    case tokenLogProbabilities(Tensor<T>)
}

/// How the sequence term C = α_sim·sim + α_ref·ref − c_noeos·noeos reaches token k (VLRMReturns-5).
public enum VLRMTerminalDiscount: String, Sendable, CaseIterable {
    /// Every token receives C in full: Equation 1 as printed (the default).
    case undiscounted = "none"
    /// C is a reward on the last token, so token k receives γ^{n−k}·C (the ordinary discounted return).
    case gamma
}

/// Scales and discounting of the VLRM per-token returns (Specs/VLRMReturns.md, "Conventions and
/// presets"). The text rules are `VLRMPenaltyRules`.
public struct VLRMReturnsConfiguration: Sendable, Equatable {
    /// γ ∈ [0, 1] of the penalty sums (paper: 1).
    public var gamma: Double
    public var terminalDiscount: VLRMTerminalDiscount
    /// α_sim: scale of sim (paper: 1).
    public var simWeight: Double
    /// α_ref: scale of ref (paper: 1; 0 gives VLRM-RS, trained without ref).
    public var refWeight: Double
    /// β_bad: penalty per bad token (paper: 1).
    public var badWeight: Double
    /// β_rep: penalty per repeated token (paper: 1).
    public var repeatWeight: Double
    /// c_noeos: penalty when the caption does not end with eos (paper: 1).
    public var noEOSValue: Double

    public init(gamma: Double = 1, terminalDiscount: VLRMTerminalDiscount = .undiscounted,
                simWeight: Double = 1, refWeight: Double = 1, badWeight: Double = 1,
                repeatWeight: Double = 1, noEOSValue: Double = 1) {
        self.gamma = gamma
        self.terminalDiscount = terminalDiscount
        self.simWeight = simWeight
        self.refWeight = refWeight
        self.badWeight = badWeight
        self.repeatWeight = repeatWeight
        self.noEOSValue = noEOSValue
    }

    /// Seed 004 (Section 3.4, Table 1): γ = 1 and every scale 1.
    public static let paper = VLRMReturnsConfiguration()

    /// The presets by their golden-file names (no framework implements these penalties).
    public static let presets: [String: VLRMReturnsConfiguration] = ["paper": .paper]

    /// Throws `nonFinite` for a NaN or infinite γ or scale, then `outOfRange` for γ outside [0, 1].
    public func validate() throws {
        for (value, name) in [(gamma, "gamma"), (simWeight, "sim_weight"), (refWeight, "ref_weight"),
                              (badWeight, "bad_weight"), (repeatWeight, "repeat_weight"),
                              (noEOSValue, "noeos_value")] where !value.isFinite {
            throw InputError.nonFinite(argument: name, index: [])
        }
        try requireInRange(gamma, 0...1, "gamma")
    }

    /// w_k for k = 1..n: 1, or γ^{n−k} (with 0⁰ = 1) under `.gamma`.
    func terminalWeights<T: Scalar>(count n: Int, as: T.Type) -> [T] {
        var weights = [T](repeating: 1, count: n)
        if terminalDiscount == .gamma {
            for k in stride(from: n - 2, through: 0, by: -1) { weights[k] = T(gamma) * weights[k + 1] }
        }
        return weights
    }
}

/// Per-token outputs of the VLRM reward, each of length n except `noEOS`.
public struct VLRMReturnsResult<T: Scalar>: Sendable {
    /// bad(s) ∈ {0, 1}.
    public var bad: Tensor<T>
    /// repeat(s) ∈ {0, 1}.
    public var repeated: Tensor<T>
    /// noeos ∈ {0, 1}.
    public var noEOS: T
    /// R(t_k).
    public var returns: Tensor<T>
}

/// Gradients of a scalar L with respect to sim and ref.
public struct VLRMReturnsGradients<T: Scalar>: Sendable {
    /// ∂L/∂sim.
    public var sim: T
    /// ∂L/∂ref (the mean).
    public var ref: T
    /// ∂L/∂ref_logprobs [n] (= ∂L/∂ref / n each) when ref was given as token log-probabilities.
    public var refLogProbs: Tensor<T>?
}

extension VLRMReferenceScore {
    /// ref after validation against n tokens: `shapeMismatch` for a wrong length, `nonFinite` for
    /// NaN or ±inf (a −inf log-probability included).
    func value(tokenCount n: Int) throws -> T {
        switch self {
        case .mean(let ref):
            guard ref.isFinite else { throw InputError.nonFinite(argument: "ref", index: []) }
            return ref
        case .tokenLogProbabilities(let logProbs):
            try requireShape(logProbs, [n], "ref_logprobs")
            try requireFinite(logProbs, "ref_logprobs")
            return logProbs.sum() / T(n)
        }
    }
}

/// Per-token returns of the VLRM captioning reward (seed 004, Section 3.4, Equation 1).
///
/// Implements Specs/VLRMReturns.md
/// - VLRMReturns-2 / VLRMReturns-3 per token: `bad(s)` and `repeat(s)` are the flags of the word of
///   token s (`rules.penalizedWords`), 0 for tokens with word index −1;
/// - VLRMReturns-4: `noeos = 0` if the caption ends with eos else 1, and ref the given mean or the
///   arithmetic mean of the n token log-probabilities;
/// - VLRMReturns-5: `R_k = w_k·C − P_k` with `C = α_sim·sim + α_ref·ref − c_noeos·noeos`,
///   `P_k = Σ_{s=k..n} γ^{s−k}(β_bad·bad(s) + β_rep·repeat(s))` (computed as
///   `P_k = pen_k + γ·P_{k+1}`), `w_k = 1` or `γ^{n−k}` (`configuration.terminalDiscount`).
/// - Throws: `InputError`: `shapeMismatch` / `nonFinite` for ref, `nonFinite` for sim, then the
///   configuration's `nonFinite` / `outOfRange`.
public func vlrmReturns<T: Scalar>(
    _ caption: VLRMCaption, sim: T, ref: VLRMReferenceScore<T>, rules: VLRMPenaltyRules,
    configuration: VLRMReturnsConfiguration = .paper
) throws -> VLRMReturnsResult<T> {
    let n = caption.tokenCount
    let refValue = try ref.value(tokenCount: n)
    guard sim.isFinite else { throw InputError.nonFinite(argument: "sim", index: []) }
    try configuration.validate()

    let words = rules.penalizedWords(in: caption.words)
    var bad = Tensor<T>(shape: [n]), repeated = Tensor<T>(shape: [n])
    for (k, word) in caption.tokenWordIndex.enumerated() where word >= 0 {
        if words.bad[word] { bad.elements[k] = 1 }
        if words.repeated[word] { repeated.elements[k] = 1 }
    }
    let noEOS: T = caption.endsWithEOS ? 0 : 1
    let c = T(configuration.simWeight) * sim + T(configuration.refWeight) * refValue - T(configuration.noEOSValue) * noEOS
    let weights = configuration.terminalWeights(count: n, as: T.self)
    let (gamma, badWeight, repeatWeight) = (T(configuration.gamma), T(configuration.badWeight), T(configuration.repeatWeight))
    var returns = Tensor<T>(shape: [n])
    var penaltyToGo: T = 0
    for k in stride(from: n - 1, through: 0, by: -1) {
        penaltyToGo = badWeight * bad.elements[k] + repeatWeight * repeated.elements[k] + gamma * penaltyToGo
        returns.elements[k] = weights[k] * c - penaltyToGo
    }
    return VLRMReturnsResult(bad: bad, repeated: repeated, noEOS: noEOS, returns: returns)
}

/// Vector–Jacobian product of `vlrmReturns` for a cotangent c on the returns (Specs/VLRMReturns.md,
/// "Gradient"): the returns are affine in sim and ref, so with `s = Σ_k c_k·w_k`,
/// `∂L/∂sim = α_sim·s`, `∂L/∂ref = α_ref·s` and `∂L/∂ref_logprobs_j = α_ref·s / n` for every j.
/// The text indicators are piecewise constant and carry no gradient.
/// - Throws: the validation errors of `vlrmReturns`, and `shapeMismatch` for a cotangent of the
///   wrong length.
public func vlrmReturnsBackward<T: Scalar>(
    _ caption: VLRMCaption, ref: VLRMReferenceScore<T>, configuration: VLRMReturnsConfiguration = .paper,
    returnsGradient: Tensor<T>
) throws -> VLRMReturnsGradients<T> {
    let n = caption.tokenCount
    _ = try ref.value(tokenCount: n)
    try configuration.validate()
    try requireShape(returnsGradient, [n], "returns cotangent")
    let weights = configuration.terminalWeights(count: n, as: T.self)
    var weighted: T = 0
    for k in 0..<n { weighted += returnsGradient.elements[k] * weights[k] }
    let refGradient = T(configuration.refWeight) * weighted
    var logProbGradient: Tensor<T>?
    if case .tokenLogProbabilities = ref { logProbGradient = Tensor(shape: [n], repeating: refGradient / T(n)) }
    return VLRMReturnsGradients(sim: T(configuration.simWeight) * weighted, ref: refGradient, refLogProbs: logProbGradient)
}
