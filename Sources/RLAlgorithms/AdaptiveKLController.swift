import Tensor

/// The proportional controller that adapts the KL coefficient β towards a target KL (Ziegler et al.
/// 2019 §2.2; TRL/trlx `AdaptiveKLController`, verl, OpenRLHF).
///
/// Implements Specs/KLPenalty.md KLPenalty-8: `e = clip(currentKL/target − 1, −errorClip, errorClip)`,
/// `β' = β·(1 + e·nSteps/horizon)`. With `nSteps ≤ horizon` the multiplier stays in
/// `[1 − errorClip, 1 + errorClip]`, so β never changes sign.
public struct AdaptiveKLController: Sendable, Equatable {
    /// KL_target > 0: the per-sequence KL the controller steers to.
    public var target: Double
    /// horizon > 0: number of samples over which a full proportional step is taken.
    public var horizon: Double
    /// Bound of the proportional error, in (0, 1) (all frameworks: 0.2).
    public var errorClip: Double

    public init(target: Double, horizon: Double, errorClip: Double = 0.2) {
        self.target = target
        self.horizon = horizon
        self.errorClip = errorClip
    }

    /// One update after `nSteps` samples whose mean per-sequence KL is `currentKL` (which may be
    /// negative: k1 batch estimates can be).
    /// - Returns: the new coefficient and the clipped proportional error `e`.
    /// - Throws: `nonFinite` for a NaN/±∞ input, then `outOfRange` for `klCoef < 0`, `target ≤ 0`,
    ///   `horizon ≤ 0`, `nSteps < 0`, `nSteps > horizon` or `errorClip ∉ (0, 1)`.
    public func update(klCoef: Double, currentKL: Double, nSteps: Int) throws -> (klCoef: Double, proportionalError: Double) {
        for (value, name) in [(klCoef, "kl_coef"), (target, "target"), (horizon, "horizon"),
                              (currentKL, "current_kl"), (errorClip, "error_clip")] where !value.isFinite {
            throw InputError.nonFinite(argument: name, index: [])
        }
        let steps = Double(nSteps)
        guard klCoef >= 0 else { throw InputError.outOfRange(argument: "kl_coef", value: klCoef, range: "[0, inf)") }
        guard target > 0 else { throw InputError.outOfRange(argument: "target", value: target, range: "(0, inf)") }
        guard horizon > 0 else { throw InputError.outOfRange(argument: "horizon", value: horizon, range: "(0, inf)") }
        guard steps >= 0, steps <= horizon else {
            throw InputError.outOfRange(argument: "n_steps", value: steps, range: "[0, horizon = \(horizon)]")
        }
        guard errorClip > 0, errorClip < 1 else {
            throw InputError.outOfRange(argument: "error_clip", value: errorClip, range: "(0, 1)")
        }
        let e = min(max(currentKL / target - 1, -errorClip), errorClip)
        return (klCoef * (1 + e * steps / horizon), e)
    }
}
