import Tensor

/// Which variance a normalisation divides by: the population variance (divide by n) or the
/// unbiased sample variance (Bessel's correction, divide by n − 1; `torch.std` / `torch.var` default).
public enum VarianceEstimator: String, Sendable, CaseIterable {
    case population
    case unbiased
}

/// Where the stabilising ε goes in the scale s(σ²) a normalisation divides by.
public enum EpsilonPlacement: String, Sendable, CaseIterable {
    /// s = √(σ² + ε) (TRL/verl `masked_whiten`).
    case insideSqrt = "inside_sqrt"
    /// s = √σ² + ε (CleanRL, RL4VLM, the GRPO papers).
    case outsideSqrt = "outside_sqrt"
    /// s = √max(σ², ε) (OpenRLHF: `rsqrt(var.clamp(min=eps))`).
    case clamp

    /// s(σ²) for variance `v`.
    @inlinable func scale<T: Scalar>(variance v: T, epsilon eps: T) -> T {
        switch self {
        case .insideSqrt: (v + eps).squareRoot()
        case .outsideSqrt: v.squareRoot() + eps
        case .clamp: max(v, eps).squareRoot()
        }
    }

    /// ds/dσ² at variance `v`; at the kinks (σ² = 0 outside the root, σ² = ε for the clamp) the
    /// constant branch, 0, is taken (Specs/GAE.md, "Gradient").
    @inlinable func scaleDerivative<T: Scalar>(variance v: T, epsilon eps: T, scale s: T) -> T {
        switch self {
        case .insideSqrt: 1 / (2 * s)
        case .outsideSqrt: v > 0 ? 1 / (2 * v.squareRoot()) : 0
        case .clamp: v > eps ? 1 / (2 * s) : 0
        }
    }
}

/// Standardisation of the real (mask = 1) elements of a tensor: y = (x − μ)/s, optionally with μ
/// added back (TRL's `shift_mean=False`: centre, scale, re-add). Shared by GAE whitening, VLRM's
/// batch-normalised advantage and GRPO's normalised rewards.
///
/// Conventions (Specs/GAE.md GAE-5): μ and σ² over the real elements only; with the unbiased
/// estimator and exactly one real element σ² is defined as 0 (not NaN); masked outputs are 0.
public struct MaskedStandardization: Sendable, Equatable {
    public var variance: VarianceEstimator
    public var epsilon: Double
    public var epsilonPlacement: EpsilonPlacement
    public var shiftMean: Bool

    /// Throws `nonFinite` for a NaN or infinite ε and `outOfRange` for ε ≤ 0, naming `argument`.
    public func validate(argument: String) throws {
        guard epsilon.isFinite else { throw InputError.nonFinite(argument: argument, index: []) }
        guard epsilon > 0 else { throw InputError.outOfRange(argument: argument, value: epsilon, range: "(0, inf)") }
    }

    public init(variance: VarianceEstimator = .unbiased, epsilon: Double = 1e-8,
                epsilonPlacement: EpsilonPlacement = .insideSqrt, shiftMean: Bool = true) {
        self.variance = variance
        self.epsilon = epsilon
        self.epsilonPlacement = epsilonPlacement
        self.shiftMean = shiftMean
    }

    /// The statistics of the real elements: count n, mean μ, variance σ² and scale s.
    public struct Statistics<T: Scalar>: Sendable {
        public var count: Int
        public var mean: T
        public var variance: T
        public var scale: T
    }

    /// μ, σ² and s over the elements where `mask` is 1. `mask` has the shape of `x` and holds 0/1.
    /// - Throws: `InputError.empty` naming `argument` when no element is real.
    public func statistics<T: Scalar>(of x: Tensor<T>, mask: Tensor<T>, argument: String) throws -> Statistics<T> {
        var n = 0
        var sum: T = 0
        for i in x.elements.indices where mask.elements[i] != 0 {
            n += 1
            sum += x.elements[i]
        }
        guard n > 0 else { throw InputError.empty(argument: argument, reason: "no real (mask = 1) element to standardise") }
        let mean = sum / T(n)
        var squares: T = 0
        for i in x.elements.indices where mask.elements[i] != 0 {
            let d = x.elements[i] - mean
            squares += d * d
        }
        let divisor = variance == .unbiased ? n - 1 : n
        let v = divisor > 0 ? squares / T(divisor) : 0
        return Statistics(count: n, mean: mean, variance: v, scale: epsilonPlacement.scale(variance: v, epsilon: T(epsilon)))
    }

    /// y = (x − μ)/s (+ μ when `shiftMean` is false) at real elements, 0 at masked ones.
    public func apply<T: Scalar>(_ x: Tensor<T>, mask: Tensor<T>, argument: String) throws -> Tensor<T> {
        let st = try statistics(of: x, mask: mask, argument: argument)
        var y = Tensor<T>(shape: x.shape)
        for i in x.elements.indices where mask.elements[i] != 0 {
            y.elements[i] = (x.elements[i] - st.mean) / st.scale + (shiftMean ? 0 : st.mean)
        }
        return y
    }

    /// ∂L/∂x given ∂L/∂y (vector–Jacobian product of `apply`). With z = x − μ and d the variance
    /// divisor: ∂L/∂x_i = (g_i − ḡ)/s − (Σ_k g_k z_k / s²)·(∂s/∂σ²)·2z_i/d (+ ḡ without mean shift),
    /// with ∂s/∂σ² from `EpsilonPlacement.scaleDerivative` (0 on the constant side of each kink).
    public func backward<T: Scalar>(_ gradient: Tensor<T>, x: Tensor<T>, mask: Tensor<T>, argument: String) throws -> Tensor<T> {
        let st = try statistics(of: x, mask: mask, argument: argument)
        var gSum: T = 0
        var gz: T = 0
        for i in x.elements.indices where mask.elements[i] != 0 {
            gSum += gradient.elements[i]
            gz += gradient.elements[i] * (x.elements[i] - st.mean)
        }
        let gMean = gSum / T(st.count)
        let dsdv = epsilonPlacement.scaleDerivative(variance: st.variance, epsilon: T(epsilon), scale: st.scale)
        let divisor = variance == .unbiased ? st.count - 1 : st.count
        let varianceTerm: T = divisor > 0 ? (gz / (st.scale * st.scale)) * dsdv * 2 / T(divisor) : 0
        var dx = Tensor<T>(shape: x.shape)
        for i in x.elements.indices where mask.elements[i] != 0 {
            let z = x.elements[i] - st.mean
            dx.elements[i] = (gradient.elements[i] - gMean) / st.scale - varianceTerm * z + (shiftMean ? 0 : gMean)
        }
        return dx
    }

    /// ∂L/∂x of L = ā·μ + v̄·σ² (the statistics as outputs of Specs/GAE.md GAE-5's "whiten" form):
    /// ā·m/n + v̄·2(x − μ)·m/d with d the variance divisor (0 when d = 0: one real element, unbiased).
    public func statisticsBackward<T: Scalar>(meanGradient: T, varianceGradient: T, x: Tensor<T>, mask: Tensor<T>,
                                              argument: String) throws -> Tensor<T> {
        let st = try statistics(of: x, mask: mask, argument: argument)
        let divisor = variance == .unbiased ? st.count - 1 : st.count
        var dx = Tensor<T>(shape: x.shape)
        for i in x.elements.indices where mask.elements[i] != 0 {
            let spread: T = divisor > 0 ? varianceGradient * 2 * (x.elements[i] - st.mean) / T(divisor) : 0
            dx.elements[i] = meanGradient / T(st.count) + spread
        }
        return dx
    }
}
