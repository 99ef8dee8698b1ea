import Tensor

/// Conventions of the value loss (Specs/ValueLoss.md, "Conventions and presets"). Defaults are seed
/// 000's: unclipped, `token_mean`.
public struct ValueLossConfiguration: Sendable, Equatable {
    /// c ≥ 0: clip range of V around the rollout values V_old; nil = unclipped.
    public var valueClip: Double?
    /// The reduction of the per-token losses (ValueLoss-3, the PPOPolicyLoss-4 modes).
    public var aggregation: LossAggregation

    public init(valueClip: Double? = nil, aggregation: LossAggregation = .tokenMean) {
        self.valueClip = valueClip
        self.aggregation = aggregation
    }

    /// Seed 000: unclipped, `token_mean`.
    public static let paper = ValueLossConfiguration()
    /// TRL PPO: `cliprange_value = 0.2`.
    public static let trl = ValueLossConfiguration(valueClip: 0.2)
    /// verl `compute_value_loss`: `cliprange_value = 0.5`.
    public static let verl = ValueLossConfiguration(valueClip: 0.5)
    /// OpenRLHF `ValueLoss`: `--value_clip 0.5`.
    public static let openRLHF = ValueLossConfiguration(valueClip: 0.5)
    /// CleanRL: `clip_vloss` with the policy's `clip_coef = 0.2`.
    public static let cleanRL = ValueLossConfiguration(valueClip: 0.2)
    /// RL4VLM: `use_clipped_value_loss` with `clip_param = 0.1`.
    public static let rl4vlm = ValueLossConfiguration(valueClip: 0.1)

    /// The presets by their golden-file names.
    public static let presets: [String: ValueLossConfiguration] = [
        "paper": .paper, "trl": .trl, "verl": .verl, "openRLHF": .openRLHF, "cleanRL": .cleanRL, "rl4vlm": .rl4vlm,
    ]

    /// Throws `nonFinite` for a non-finite value clip or normalizer (Specs/ValueLoss.md, "Errors" 7).
    public func validateFiniteness() throws {
        if let c = valueClip, !c.isFinite { throw InputError.nonFinite(argument: "value_clip", index: []) }
        try aggregation.validateFiniteness()
    }

    /// `validateFiniteness()`, then `outOfRange` for a value clip < 0 or a normalizer ≤ 0
    /// (Specs/ValueLoss.md, "Errors" 7 and 8).
    public func validate() throws {
        try validateFiniteness()
        if let c = valueClip, c < 0 { throw InputError.outOfRange(argument: "value_clip", value: c, range: "[0, inf)") }
        try aggregation.validate()
    }

    /// The loss of one token, its derivative ∂e/∂V and whether the clipped error is taken.
    ///
    /// Implements Specs/ValueLoss.md ValueLoss-1 (`e = ½(V − R)²`) and, with a clip c, ValueLoss-2:
    /// `V_c = clamp(V, V_old − c, V_old + c)` (the bounds formed in precision `T`, V itself inside them),
    /// `e = ½·max((V − R)², (V_c − R)²)`, the clipped error taken only when strictly larger (ties go
    /// to the unclipped branch, whose derivative V − R is then the Spec's subgradient).
    public func token<T: Scalar>(value v: T, oldValue: T, target r: T) -> (loss: T, slope: T, clipActive: Bool) {
        let unclipped = (v - r) * (v - r)
        guard let c = valueClip.map({ T($0) }) else { return (unclipped / 2, v - r, false) }
        let (low, high) = (oldValue - c, oldValue + c)
        let clippedValue = v > high ? high : (v < low ? low : v)
        let clipped = (clippedValue - r) * (clippedValue - r)
        return clipped > unclipped ? (clipped / 2, 0, true) : (unclipped / 2, v - r, false)
    }
}

/// Validated inputs of the value loss, all [B,T] (Specs/ValueLoss.md, Symbols).
public struct ValueTokenBatch<T: Scalar>: Sendable {
    /// V [B,T]: the value-head predictions being trained.
    public var values: Tensor<T>
    /// V_old [B,T]: values recorded at rollout time (constant); needed only with a value clip.
    public var oldValues: Tensor<T>?
    /// R [B,T]: the value targets (constant).
    public var returns: Tensor<T>
    /// [B,T]: 1 = trained token.
    public var mask: Tensor<T>

    /// Validates in the order of Specs/ValueLoss.md "Errors" 4–7: `empty` (an array without
    /// elements), `shapeMismatch` (`values` not rank 2; `returns`, `oldValues`, `mask` not [B,T]),
    /// `invalidArgument` (a mask entry not 0/1), `nonFinite` (NaN or ±∞ anywhere in the arrays,
    /// masked positions included). `mask` defaults to all 1.
    public init(values: Tensor<T>, oldValues: Tensor<T>? = nil, returns: Tensor<T>, mask: Tensor<T>? = nil) throws {
        for (t, name) in [(values, "values"), (returns, "returns"), (oldValues, "old_values")] where t?.count == 0 {
            throw InputError.empty(argument: name, reason: "has no element (B = 0 or T = 0)")
        }
        guard values.rank == 2 else {
            throw InputError.shapeMismatch(argument: "values", expected: [-1, -1], actual: values.shape)
        }
        for (t, name) in [(returns, "returns"), (oldValues, "old_values"), (mask, "mask")] {
            if let t { try requireShape(t, values.shape, name) }
        }
        if let mask { try requireBinary(mask, "mask") }
        for (t, name) in [(values, "values"), (returns, "returns"), (oldValues, "old_values")] {
            if let t { try requireFinite(t, name) }
        }
        self.values = values
        self.oldValues = oldValues
        self.returns = returns
        self.mask = mask ?? Tensor(shape: values.shape, repeating: 1)
    }
}

/// The value loss of a batch and its clip fraction.
public struct ValueLossResult<T: Scalar>: Sendable {
    /// L^V = aggregate(e, m) ≥ 0.
    public var loss: T
    /// Masked token mean of "clip active" (0 without clipping).
    public var clipFraction: T
}

/// The squared-error value loss, optionally clipped around the rollout values.
///
/// Implements Specs/ValueLoss.md: per token ValueLoss-1/-2 (`ValueLossConfiguration.token`), then
/// ValueLoss-3, `loss = aggregation.aggregate(e, mask)`, and ValueLoss-4, the clip fraction (masked
/// token mean whatever the aggregation). All 0 when every token is masked.
/// - Throws: `missingInput` (`old_values`) when clipping without rollout values, then the
///   configuration's `nonFinite` / `outOfRange`.
public func valueLoss<T: Scalar>(_ batch: ValueTokenBatch<T>, configuration: ValueLossConfiguration = .paper) throws -> ValueLossResult<T> {
    let tokens = try valueLossTokens(batch, configuration)
    return ValueLossResult(loss: configuration.aggregation.aggregate(tokens.losses, mask: batch.mask),
                           clipFraction: LossAggregation.tokenMean.aggregate(tokens.clipActive, mask: batch.mask))
}

/// ∂(lossGradient·loss)/∂values of `valueLoss`: `lossGradient·w ⊙ ∂e/∂V` with `w` the aggregation
/// weights and ∂e/∂V = V − R unless the clipped error is strictly larger (then 0)
/// (Specs/ValueLoss.md, "Gradient"). `oldValues` and `returns` are constants.
/// - Throws: as `valueLoss`.
public func valueLossBackward<T: Scalar>(
    _ batch: ValueTokenBatch<T>, configuration: ValueLossConfiguration = .paper, lossGradient: T = 1
) throws -> Tensor<T> {
    let tokens = try valueLossTokens(batch, configuration)
    return configuration.aggregation.weights(mask: batch.mask).zipMap(tokens.slopes) { lossGradient * $0 * $1 }
}

/// Per-token value losses e [B,T] (ValueLoss-1/-2, `ValueLossConfiguration.token`), 0 at masked positions
/// unless `zeroMasked` is false (the `zero_masked_outputs` input): the per-token value loss frameworks expose
/// before aggregating (Specs/ValueLoss.md, `per_token_loss`).
/// - Throws: as `valueLoss`.
public func valueLossPerToken<T: Scalar>(
    _ batch: ValueTokenBatch<T>, configuration: ValueLossConfiguration = .paper, zeroMasked: Bool = true
) throws -> Tensor<T> {
    try valueLossTokens(batch, configuration, zeroMasked: zeroMasked).losses
}

/// Vector–Jacobian product of `valueLossPerToken`: given ∂L/∂e [B,T], returns ∂L/∂values = ∂L/∂e ⊙ ∂e/∂V
/// (∂e/∂V = V − R unless the clipped error is strictly larger, then 0; 0 at masked positions when `zeroMasked`).
/// - Throws: as `valueLoss`, then `shapeMismatch` when `lossesGradient` is not [B,T].
public func valueLossPerTokenBackward<T: Scalar>(
    _ batch: ValueTokenBatch<T>, configuration: ValueLossConfiguration = .paper, lossesGradient: Tensor<T>,
    zeroMasked: Bool = true
) throws -> Tensor<T> {
    let tokens = try valueLossTokens(batch, configuration, zeroMasked: zeroMasked)
    try requireShape(lossesGradient, batch.values.shape, "per-token loss cotangent")
    return lossesGradient.zipMap(tokens.slopes, *)
}

/// Per-token losses, slopes and clip indicators (1 = clip active), all 0 at masked positions unless `zeroMasked`
/// is false (the aggregations and the clip fraction ignore masked positions either way).
private func valueLossTokens<T: Scalar>(
    _ batch: ValueTokenBatch<T>, _ configuration: ValueLossConfiguration, zeroMasked: Bool = true
) throws -> (losses: Tensor<T>, slopes: Tensor<T>, clipActive: Tensor<T>) {
    if configuration.valueClip != nil && batch.oldValues == nil { throw InputError.missingInput(argument: "old_values") }
    try configuration.validate()
    var losses = Tensor<T>(shape: batch.values.shape)
    var slopes = losses
    var active = losses
    for i in losses.elements.indices where !zeroMasked || batch.mask.elements[i] != 0 {
        let t = configuration.token(value: batch.values.elements[i], oldValue: batch.oldValues?.elements[i] ?? 0,
                                    target: batch.returns.elements[i])
        (losses.elements[i], slopes.elements[i]) = (t.loss, t.slope)
        if t.clipActive { active.elements[i] = 1 }
    }
    return (losses, slopes, active)
}
