import Tensor

/// Which per-token estimate of KL(π_θ‖π_ref) is computed from a sampled token's two log-probabilities
/// (Specs/KLPenalty.md, Definition). With `logr = log π_ref − log π_θ` (Schulman's sign) and tokens
/// sampled from π_θ, k1 and k3 are unbiased for the reverse KL, k2 is biased; k2 and k3 are ≥ 0.
public enum KLEstimator: String, Sendable, CaseIterable {
    /// KLPenalty-1: `k1 = −logr = log π_θ − log π_ref` (TRL `"k1"`, verl `"kl"`).
    case k1
    /// KLPenalty-2: `k2 = ½·logr²` (verl `"mse"`).
    case k2
    /// KLPenalty-3: `k3 = exp(logr) − 1 − logr` (verl `"low_var_kl"`).
    case k3
    /// KLPenalty-5: the value of k1, the gradient of ½·(log π_θ − log π_ref)² (verl `"k1+"`).
    case k1Plus = "k1_plus"
    /// KLPenalty-5: the value of k3, the gradient of ½·(log π_θ − log π_ref)² (verl `"k3+"`).
    case k3Plus = "k3_plus"

    /// Whether the gradient is the straight-through k2 derivative rather than that of the value.
    @inlinable public var isStraightThrough: Bool { self == .k1Plus || self == .k3Plus }
}

/// A per-token KL estimator with its optional clamps (Specs/KLPenalty.md KLPenalty-1 … KLPenalty-5).
///
/// Per token, with `logr = refLogProb − logProb`:
/// `ℓ = clamp(logr, −logRatioClamp, logRatioClamp)`, `k = k1(ℓ) | k2(ℓ) | k3(ℓ)`,
/// `kl = clamp(k, −klClamp, klClamp)` (a nil clamp is no clamp). This is the building block of the
/// reward form, the loss form and of GRPO's per-token loss; it does not look at masks.
public struct KLTokenEstimator: Sendable, Equatable {
    public var estimator: KLEstimator
    /// c_r > 0: bound of |logr| before the estimator, or nil for none (verl: 20 for k3).
    public var logRatioClamp: Double?
    /// c_k > 0: bound of |k| after the estimator, or nil for none (verl: 10 for k3; OpenRLHF: 10).
    public var klClamp: Double?

    public init(_ estimator: KLEstimator = .k1, logRatioClamp: Double? = nil, klClamp: Double? = nil) {
        self.estimator = estimator
        self.logRatioClamp = logRatioClamp
        self.klClamp = klClamp
    }

    /// Throws `outOfRange` for a clamp that is not > 0 (NaN included); +∞ means no clamp.
    public func validate() throws {
        for (clamp, name) in [(logRatioClamp, "log_ratio_clamp"), (klClamp, "kl_clamp")] {
            if let clamp, !(clamp > 0) {
                throw InputError.outOfRange(argument: name, value: clamp, range: "(0, inf]")
            }
        }
    }

    /// The clamped estimate and its derivative ∂kl/∂logProb, which is 0 when either clamp is active
    /// (only strictly beyond its bound).
    @usableFromInline
    func valueAndSlope<T: Scalar>(logProb: T, refLogProb: T) -> (value: T, slope: T) {
        let logRatio = refLogProb - logProb
        let cr = logRatioClamp.map { T($0) } ?? .infinity
        let ck = klClamp.map { T($0) } ?? .infinity
        let l = min(max(logRatio, -cr), cr)
        // k(ℓ) and dk/dℓ.
        let (k, dk): (T, T) = switch estimator {
        case .k1, .k1Plus: (-l, -1)
        case .k2: (l * l / 2, l)
        case .k3, .k3Plus: (T.expm1(l) - l, T.expm1(l))
        }
        let value = min(max(k, -ck), ck)
        let passes = abs(logRatio) <= cr && abs(k) <= ck
        // ∂kl/∂logProb = dk/dℓ · dℓ/dlogr · dlogr/dlogProb, with dlogr/dlogProb = −1.
        return (value, passes ? -dk : 0)
    }

    /// The estimate for one token (KLPenalty-1 … KLPenalty-4; the `*_plus` values are those of k1/k3).
    @inlinable
    public func value<T: Scalar>(logProb: T, refLogProb: T) -> T {
        valueAndSlope(logProb: logProb, refLogProb: refLogProb).value
    }

    /// ∂kl/∂logProb for one token (Specs/KLPenalty.md, Gradient): k1 `+1`, k2 `−ℓ`, k3 `1 − exp(ℓ)`,
    /// times 0 where a clamp is active; for `k1_plus`/`k3_plus` the straight-through `logProb − refLogProb`
    /// (KLPenalty-5, no clamp factor). At a clamp bound the gradient passes (PyTorch's `clamp`).
    @inlinable
    public func derivative<T: Scalar>(logProb: T, refLogProb: T) -> T {
        estimator.isStraightThrough ? logProb - refLogProb : valueAndSlope(logProb: logProb, refLogProb: refLogProb).slope
    }

    /// Per-token estimates `kl` [B,T] of a batch, 0 where the mask is 0 (KLPenalty-1 … KLPenalty-5).
    public func estimates<T: Scalar>(_ batch: KLTokenBatch<T>) -> Tensor<T> {
        var kl = Tensor<T>(shape: batch.logProbs.shape)
        for i in kl.elements.indices where batch.mask.elements[i] != 0 {
            kl.elements[i] = value(logProb: batch.logProbs.elements[i], refLogProb: batch.refLogProbs.elements[i])
        }
        return kl
    }

    /// Vector–Jacobian product of `estimates`: given ∂L/∂kl [B,T], returns ∂L/∂logProbs [B,T]
    /// (0 at masked positions; `refLogProbs` is frozen and gets no gradient).
    /// - Throws: `shapeMismatch` when `klGradient` is not [B,T].
    public func estimatesBackward<T: Scalar>(_ batch: KLTokenBatch<T>, klGradient: Tensor<T>) throws -> Tensor<T> {
        try requireShape(klGradient, batch.logProbs.shape, "kl cotangent")
        var g = Tensor<T>(shape: batch.logProbs.shape)
        for i in g.elements.indices where batch.mask.elements[i] != 0 {
            g.elements[i] = klGradient.elements[i]
                * derivative(logProb: batch.logProbs.elements[i], refLogProb: batch.refLogProbs.elements[i])
        }
        return g
    }
}

/// Validated per-token inputs of the KL estimators: policy and reference log-probabilities of the
/// sampled tokens and the response mask, all [B,T] (Specs/KLPenalty.md, Symbols).
public struct KLTokenBatch<T: Scalar>: Sendable {
    /// log π_θ(y_t | ·) [B,T].
    public var logProbs: Tensor<T>
    /// log π_ref(y_t | ·) [B,T], frozen.
    public var refLogProbs: Tensor<T>
    /// [B,T]: 1 = response token, 0 = padding or prompt (its values are never read).
    public var mask: Tensor<T>

    /// Validates in the Spec's order: `empty` (B = 0 or T = 0), `shapeMismatch` (not rank 2 or
    /// differing shapes), `invalidArgument` (a mask entry other than 0/1), `nonFinite` (NaN/±∞
    /// anywhere in `logProbs` or `refLogProbs`, masked positions included). `mask` defaults to all 1.
    public init(logProbs: Tensor<T>, refLogProbs: Tensor<T>, mask: Tensor<T>? = nil) throws {
        for (t, name) in [(logProbs, "log_probs"), (refLogProbs, "ref_log_probs")] where t.count == 0 {
            throw InputError.empty(argument: name, reason: "has no element (B = 0 or T = 0)")
        }
        guard logProbs.rank == 2 else {
            throw InputError.shapeMismatch(argument: "log_probs", expected: [-1, -1], actual: logProbs.shape)
        }
        try requireShape(refLogProbs, logProbs.shape, "ref_log_probs")
        if let mask {
            try requireShape(mask, logProbs.shape, "mask")
            try requireBinary(mask, "mask")
        }
        try requireFinite(logProbs, "log_probs")
        try requireFinite(refLogProbs, "ref_log_probs")
        self.logProbs = logProbs
        self.refLogProbs = refLogProbs
        self.mask = mask ?? Tensor(shape: logProbs.shape, repeating: 1)
    }

    /// B, the number of rows.
    public var rows: Int { logProbs.shape[0] }
    /// T, the number of positions per row.
    public var columns: Int { logProbs.shape[1] }
}
