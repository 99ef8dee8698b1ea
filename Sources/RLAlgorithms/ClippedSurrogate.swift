import Tensor

/// The clip conventions of the PPO clipped surrogate per token: symmetric or asymmetric ratio clip,
/// optional dual clip and optional clamp of the log-ratio before `exp` (Specs/PPOPolicyLoss.md,
/// "Conventions and presets"). Shared by `ppoPolicyLoss` and GRPO's clipped objective (Specs/GRPO.md
/// GRPO-2), which aggregate its per-token losses; this type never looks at an aggregation mode.
public struct ClippedSurrogate: Sendable, Equatable {
    /// ε ≥ 0: the clip range on both sides unless a side is overridden (seed 000: 0.2).
    public var clipEpsilon: Double
    /// ε_low ∈ [0, 1): lower range, bound 1 − ε_low; nil = `clipEpsilon`.
    public var clipEpsilonLow: Double?
    /// ε_high ≥ 0: upper range, bound 1 + ε_high; nil = `clipEpsilon` (DAPO clip-higher: 0.28).
    public var clipEpsilonHigh: Double?
    /// c > 1: cap −c·A of the loss of tokens with A < 0 (verl: 3); nil = off.
    public var dualClip: Double?
    /// κ > 0: bound of |log π_θ − log π_old| before `exp` (verl, OpenRLHF: 20); nil = off.
    public var logRatioClamp: Double?

    public init(clipEpsilon: Double = 0.2, clipEpsilonLow: Double? = nil, clipEpsilonHigh: Double? = nil,
                dualClip: Double? = nil, logRatioClamp: Double? = nil) {
        self.clipEpsilon = clipEpsilon
        self.clipEpsilonLow = clipEpsilonLow
        self.clipEpsilonHigh = clipEpsilonHigh
        self.dualClip = dualClip
        self.logRatioClamp = logRatioClamp
    }

    /// The resolved ε_low (`clipEpsilonLow ?? clipEpsilon`).
    public var lowerEpsilon: Double { clipEpsilonLow ?? clipEpsilon }
    /// The resolved ε_high (`clipEpsilonHigh ?? clipEpsilon`).
    public var upperEpsilon: Double { clipEpsilonHigh ?? clipEpsilon }

    /// Throws `nonFinite` for a NaN or infinite parameter that is set (Specs/PPOPolicyLoss.md,
    /// "Errors" 7).
    public func validateFiniteness() throws {
        let named: [(Double?, String)] = [(clipEpsilon, "clip_epsilon"), (clipEpsilonLow, "clip_epsilon_low"),
                                          (clipEpsilonHigh, "clip_epsilon_high"), (dualClip, "dual_clip"),
                                          (logRatioClamp, "log_ratio_clamp")]
        for case let (value?, name) in named where !value.isFinite {
            throw InputError.nonFinite(argument: name, index: [])
        }
    }

    /// `validateFiniteness()`, then `outOfRange` for ε < 0, resolved ε_low ∉ [0, 1), resolved
    /// ε_high < 0, dual clip ≤ 1 or log-ratio clamp ≤ 0 (Specs/PPOPolicyLoss.md, "Errors" 7 and 8).
    public func validate() throws {
        try validateFiniteness()
        guard clipEpsilon >= 0 else { throw InputError.outOfRange(argument: "clip_epsilon", value: clipEpsilon, range: "[0, inf)") }
        guard lowerEpsilon >= 0, lowerEpsilon < 1 else {
            throw InputError.outOfRange(argument: clipEpsilonLow == nil ? "clip_epsilon" : "clip_epsilon_low",
                                        value: lowerEpsilon, range: "[0, 1)")
        }
        guard upperEpsilon >= 0 else {
            throw InputError.outOfRange(argument: "clip_epsilon_high", value: upperEpsilon, range: "[0, inf)")
        }
        if let c = dualClip, !(c > 1) { throw InputError.outOfRange(argument: "dual_clip", value: c, range: "(1, inf)") }
        if let k = logRatioClamp, !(k > 0) {
            throw InputError.outOfRange(argument: "log_ratio_clamp", value: k, range: "(0, inf)")
        }
    }
}

/// One token of the clipped surrogate: the loss, its derivative and what the diagnostics count.
public struct ClippedSurrogateToken<T: Scalar>: Sendable, Equatable {
    /// l: the per-token loss (PPOPolicyLoss-2, capped by PPOPolicyLoss-3); +∞ only for A < 0 with an
    /// overflowed ratio and no dual clip; never NaN.
    public var loss: T
    /// ∂l/∂log π_θ: −A·ρ when no clamp, clip or cap is active and A ≠ 0, else 0.
    public var slope: T
    /// Δ̃: the (clamped) log-ratio.
    public var logRatio: T
    /// ρ = exp(Δ̃).
    public var ratio: T
    /// ρ < 1 − ε_low or ρ > 1 + ε_high (counted by `clip_fraction_ratio`, whatever A is).
    public var ratioOutsideBounds: Bool
    /// −A·clip(ρ) > −A·ρ strictly: the clipped branch is taken.
    public var clipActive: Bool
    /// A < 0 and l_clip > −c·A strictly: the dual-clip cap is taken.
    public var dualClipActive: Bool
}

extension ClippedSurrogate {
    /// The clipped surrogate of one token with log-probabilities `logProb` (policy being trained),
    /// `oldLogProb` (the policy that sampled it) and advantage `advantage`.
    ///
    /// Implements Specs/PPOPolicyLoss.md PPOPolicyLoss-1 (Δ = log π_θ − log π_old, Δ̃ = clamp(Δ, −κ, κ),
    /// ρ = exp(Δ̃)), PPOPolicyLoss-2 (l = max(−A·ρ, −A·clip(ρ, 1 − ε_low, 1 + ε_high)), l = 0 when A = 0)
    /// and PPOPolicyLoss-3 (for A < 0 with a dual clip c, l ← min(l, −c·A)); the same token loss is the
    /// policy term of Specs/GRPO.md GRPO-2. Every clamp, clip and cap is active only when its bound is
    /// strictly exceeded: on a kink the unclipped branch and its derivative −A·ρ are taken (the
    /// Spec's subgradient). The bounds 1 − ε_low, 1 + ε_high, c·A are formed in precision `T`.
    public func token<T: Scalar>(logProb: T, oldLogProb: T, advantage a: T) -> ClippedSurrogateToken<T> {
        let delta = logProb - oldLogProb
        var logRatio = delta
        var clamped = false
        if let kappa = logRatioClamp.map({ T($0) }), abs(delta) > kappa {
            logRatio = delta > 0 ? kappa : -kappa
            clamped = true
        }
        let ratio = T.exp(logRatio)
        let (low, high) = (1 - T(lowerEpsilon), 1 + T(upperEpsilon))
        let clippedRatio = ratio > high ? high : (ratio < low ? low : ratio)
        let unclippedLoss = -a * ratio
        let clippedLoss = -a * clippedRatio
        let clipActive = clippedLoss > unclippedLoss
        var loss = clipActive ? clippedLoss : unclippedLoss
        var dualActive = false
        if let c = dualClip, a < 0 {
            let cap = -T(c) * a
            if loss > cap {
                loss = cap
                dualActive = true
            }
        }
        let free = a != 0 && !clamped && !clipActive && !dualActive
        return ClippedSurrogateToken(loss: a == 0 ? 0 : loss, slope: free ? unclippedLoss : 0, logRatio: logRatio,
                                     ratio: ratio, ratioOutsideBounds: ratio < low || ratio > high,
                                     clipActive: clipActive, dualClipActive: dualActive)
    }

    /// Per-token losses l [B,T] of a batch (PPOPolicyLoss-1…3, see `token(logProb:oldLogProb:advantage:)`),
    /// 0 at masked positions unless `zeroMasked` is false (the `zero_masked_outputs` input). Aggregate them with
    /// a `LossAggregation` (which ignores masked positions).
    public func perTokenLosses<T: Scalar>(_ batch: PolicyTokenBatch<T>, zeroMasked: Bool = true) -> Tensor<T> {
        perToken(batch, zeroMasked) { t, _ in t.loss }
    }

    /// `value` of each token's `ClippedSurrogateToken` (given with its flat index); 0 at masked positions when
    /// `zeroMasked`.
    private func perToken<T: Scalar>(_ batch: PolicyTokenBatch<T>, _ zeroMasked: Bool,
                                     _ value: (ClippedSurrogateToken<T>, Int) -> T) -> Tensor<T> {
        var out = Tensor<T>(shape: batch.logProbs.shape)
        for i in out.elements.indices where !zeroMasked || batch.mask.elements[i] != 0 {
            out.elements[i] = value(token(at: i, of: batch), i)
        }
        return out
    }

    /// `cotangent ⊙ derivative` per token with a nonzero cotangent (a VJP of a per-token output), masked
    /// positions skipped when `zeroMasked`.
    private func perTokenBackward<T: Scalar>(_ batch: PolicyTokenBatch<T>, _ zeroMasked: Bool, _ cotangent: Tensor<T>,
                                             _ name: String,
                                             _ derivative: (ClippedSurrogateToken<T>, Int) -> T) throws -> Tensor<T> {
        try requireShape(cotangent, batch.logProbs.shape, name)
        var gradient = Tensor<T>(shape: batch.logProbs.shape)
        for i in gradient.elements.indices where (!zeroMasked || batch.mask.elements[i] != 0) && cotangent.elements[i] != 0 {
            gradient.elements[i] = cotangent.elements[i] * derivative(token(at: i, of: batch), i)
        }
        return gradient
    }

    /// Vector–Jacobian product of `perTokenLosses`: given ∂L/∂l [B,T], returns ∂L/∂logProbs =
    /// ∂L/∂l ⊙ ∂l/∂log π_θ, with ∂l/∂log π_θ = −A·ρ on the unclipped branch (kinks included) and 0
    /// where a clamp, clip or cap is active, where A = 0 and (when `zeroMasked`) at masked positions
    /// (Specs/PPOPolicyLoss.md, "Gradient"). `oldLogProbs` and `advantages` are constants.
    /// - Throws: `shapeMismatch` when `lossesGradient` is not [B,T].
    public func perTokenLossesBackward<T: Scalar>(_ batch: PolicyTokenBatch<T>, lossesGradient: Tensor<T>,
                                                  zeroMasked: Bool = true) throws -> Tensor<T> {
        try perTokenBackward(batch, zeroMasked, lossesGradient, "per-token loss cotangent") { t, _ in t.slope }
    }

    /// Importance ratios ρ = exp(Δ̃) [B,T] of a batch (Δ̃ the clamped log-ratio of PPOPolicyLoss-1), 0 at
    /// masked positions unless `zeroMasked` is false: the per-token ratio frameworks expose (verl `ratio`,
    /// OpenRLHF `ratio`).
    public func perTokenRatios<T: Scalar>(_ batch: PolicyTokenBatch<T>, zeroMasked: Bool = true) -> Tensor<T> {
        perToken(batch, zeroMasked) { t, _ in t.ratio }
    }

    /// Vector–Jacobian product of `perTokenRatios`: ∂L/∂log π_θ = ∂L/∂ρ ⊙ ρ where the log-ratio clamp is
    /// not active (|Δ| ≤ κ: the boundary passes, as in PPOPolicyLoss-1), 0 where it is and (when `zeroMasked`) at
    /// masked positions.
    /// - Throws: `shapeMismatch` when `ratiosGradient` is not [B,T].
    public func perTokenRatiosBackward<T: Scalar>(_ batch: PolicyTokenBatch<T>, ratiosGradient: Tensor<T>,
                                                  zeroMasked: Bool = true) throws -> Tensor<T> {
        try perTokenBackward(batch, zeroMasked, ratiosGradient, "ratios cotangent") { t, i in
            t.logRatio == batch.logProbs.elements[i] - batch.oldLogProbs.elements[i] ? t.ratio : 0
        }
    }

    /// The clip fractions and approximate-KL diagnostics of a batch: masked token means whatever the
    /// loss aggregation is, from the same Δ̃, ρ and bounds as the loss.
    ///
    /// Implements Specs/PPOPolicyLoss.md PPOPolicyLoss-5 (clip fractions) and PPOPolicyLoss-6
    /// (k1 = ⟨−Δ̃⟩, k2 = ⟨Δ̃²/2⟩, k3 = ⟨expm1(Δ̃) − Δ̃⟩, estimates of KL(π_old ‖ π_θ)). All 0 when
    /// every token is masked.
    public func diagnostics<T: Scalar>(_ batch: PolicyTokenBatch<T>) -> ClippedSurrogateDiagnostics<T> {
        var d = ClippedSurrogateDiagnostics<T>()
        var count: T = 0
        for i in batch.mask.elements.indices where batch.mask.elements[i] != 0 {
            let t = token(at: i, of: batch)
            count += 1
            if t.ratioOutsideBounds { d.clipFractionRatio += 1 }
            if t.clipActive { d.clipFractionActive += 1 }
            if t.dualClipActive { d.clipFractionDual += 1 }
            d.approxKLK1 -= t.logRatio
            d.approxKLK2 += t.logRatio * t.logRatio / 2
            d.approxKLK3 += T.expm1(t.logRatio) - t.logRatio
        }
        let n = max(count, 1)
        d.clipFractionRatio /= n
        d.clipFractionActive /= n
        d.clipFractionDual /= n
        d.approxKLK1 /= n
        d.approxKLK2 /= n
        d.approxKLK3 /= n
        return d
    }

    /// The token at row-major position `i` of `batch`.
    func token<T: Scalar>(at i: Int, of batch: PolicyTokenBatch<T>) -> ClippedSurrogateToken<T> {
        token(logProb: batch.logProbs.elements[i], oldLogProb: batch.oldLogProbs.elements[i],
              advantage: batch.advantages.elements[i])
    }
}

/// The diagnostics of the clipped surrogate (Specs/PPOPolicyLoss.md PPOPolicyLoss-5, PPOPolicyLoss-6):
/// masked token means over the batch.
public struct ClippedSurrogateDiagnostics<T: Scalar>: Sendable, Equatable {
    /// Fraction of tokens with ρ outside [1 − ε_low, 1 + ε_high] (CleanRL `clipfracs`).
    public var clipFractionRatio: T = 0
    /// Fraction of tokens on the clipped branch (TRL/verl `pg_clipfrac`, OpenRLHF `clip_ratio`).
    public var clipFractionActive: T = 0
    /// Fraction of tokens capped by the dual clip (verl `pg_clipfrac_lower`); 0 without dual clip.
    public var clipFractionDual: T = 0
    /// ⟨−Δ̃⟩ (verl `ppo_kl`, CleanRL `old_approx_kl`).
    public var approxKLK1: T = 0
    /// ⟨Δ̃²/2⟩ (TRL PPO `approxkl`, masked here).
    public var approxKLK2: T = 0
    /// ⟨expm1(Δ̃) − Δ̃⟩ (CleanRL `approx_kl`).
    public var approxKLK3: T = 0
}

/// Validated per-token inputs of the clipped surrogate: log-probabilities under the policy being
/// trained and under the sampling policy, advantages and the 0/1 mask, all [B,T]
/// (Specs/PPOPolicyLoss.md, Symbols). Masked positions are never read but must be finite.
public struct PolicyTokenBatch<T: Scalar>: Sendable {
    /// log π_θ [B,T]: the differentiated input.
    public var logProbs: Tensor<T>
    /// log π_old [B,T] (constant). Passing `logProbs` itself gives the on-policy, single-iteration
    /// case with a detached copy (ρ = 1, ∂ρ/∂log π_θ = ρ).
    public var oldLogProbs: Tensor<T>
    /// Â [B,T] (constant); per-sequence advantages [B] are broadcast over T by `init`.
    public var advantages: Tensor<T>
    /// [B,T]: 1 = trained token.
    public var mask: Tensor<T>

    /// Validates in the order of Specs/PPOPolicyLoss.md "Errors" 4–7: `empty` (any of the three
    /// arrays without elements), `shapeMismatch` (`logProbs` not rank 2, `oldLogProbs` not [B,T],
    /// `advantages` neither [B,T] nor [B], `mask` not [B,T]), `invalidArgument` (a mask entry not
    /// 0/1), `nonFinite` (NaN or ±∞ anywhere in the three arrays, masked positions included).
    /// `mask` defaults to all 1.
    public init(logProbs: Tensor<T>, oldLogProbs: Tensor<T>, advantages: Tensor<T>, mask: Tensor<T>? = nil) throws {
        for (t, name) in [(logProbs, "log_probs"), (oldLogProbs, "old_log_probs"), (advantages, "advantages")]
        where t.count == 0 {
            throw InputError.empty(argument: name, reason: "has no element (B = 0 or T = 0)")
        }
        guard logProbs.rank == 2 else {
            throw InputError.shapeMismatch(argument: "log_probs", expected: [-1, -1], actual: logProbs.shape)
        }
        let shape = logProbs.shape
        try requireShape(oldLogProbs, shape, "old_log_probs")
        try requireAdvantagesShape(advantages, shape)
        if let mask {
            try requireShape(mask, shape, "mask")
            try requireBinary(mask, "mask")
        }
        try requireFinite(logProbs, "log_probs")
        try requireFinite(oldLogProbs, "old_log_probs")
        try requireFinite(advantages, "advantages")
        self.logProbs = logProbs
        self.oldLogProbs = oldLogProbs
        if advantages.shape == shape {
            self.advantages = advantages
        } else {
            var broadcast = Tensor<T>(shape: shape)
            for b in 0..<shape[0] {
                for t in 0..<shape[1] { broadcast[b, t] = advantages[b] }
            }
            self.advantages = broadcast
        }
        self.mask = mask ?? Tensor(shape: shape, repeating: 1)
    }
}

/// Throws `shapeMismatch` unless `advantages` is [B,T] (per token) or [B] (per sequence) for `shape` [B,T].
func requireAdvantagesShape<T: Scalar>(_ advantages: Tensor<T>, _ shape: [Int]) throws {
    if advantages.shape != shape && advantages.shape != [shape[0]] {
        throw InputError.shapeMismatch(argument: "advantages", expected: shape, actual: advantages.shape)
    }
}
