import Tensor

/// The seed's literal GRPO loss and its parts.
public struct SeedLiteralGRPOLoss<T: Scalar>: Sendable {
    /// L = −mean(Â)·L_MLE: 0 up to rounding for every input.
    public var loss: T
    /// L_MLE = −Σ m'·log P / Σ m' (0 when Σ m' = 0).
    public var mleLoss: T
    /// Â [N]: the group-normalised rewards (GRPO-1).
    public var normalizedRewards: Tensor<T>
}

/// Gradients of the seed's literal GRPO loss.
public struct SeedLiteralGRPOLossGradients<T: Scalar>: Sendable {
    /// ∂L/∂mleLogProbs = mean(Â)·m'/Σ m' (≈ 0: mean(Â) is 0 up to rounding).
    public var mleLogProbs: Tensor<T>
    /// ∂L/∂sampleLogProbs: exactly 0 (the samples do not enter the loss), nil when none were given.
    public var sampleLogProbs: Tensor<T>?
}

/// Validated inputs of the seed's literal loss.
private struct SeedLiteralInputs<T: Scalar> {
    var normalizedRewards: Tensor<T>
    var mleMask: Tensor<T>

    init(scores: Tensor<T>, grouping: SampleGrouping, normalization: GroupNormalization,
         mleLogProbs: Tensor<T>, mleMask: Tensor<T>?, sampleLogProbs: Tensor<T>?) throws {
        normalizedRewards = try groupNormalizedAdvantages(scores, grouping: grouping, normalization: normalization)
        guard mleLogProbs.count > 0 else { throw InputError.empty(argument: "mle_log_probs", reason: "has no element") }
        guard mleLogProbs.rank == 2 else {
            throw InputError.shapeMismatch(argument: "mle_log_probs", expected: [-1, -1], actual: mleLogProbs.shape)
        }
        if let mleMask {
            try requireShape(mleMask, mleLogProbs.shape, "mle_mask")
            try requireBinary(mleMask, "mle_mask")
        }
        try requireFinite(mleLogProbs, "mle_log_probs")
        if let sampleLogProbs {
            guard sampleLogProbs.count > 0 else { throw InputError.empty(argument: "log_probs", reason: "has no element") }
            guard sampleLogProbs.rank == 2, sampleLogProbs.shape[0] == scores.count else {
                throw InputError.shapeMismatch(argument: "log_probs", expected: [scores.count, -1], actual: sampleLogProbs.shape)
            }
            try requireFinite(sampleLogProbs, "log_probs")
        }
        self.mleMask = mleMask ?? Tensor(shape: mleLogProbs.shape, repeating: 1)
    }

    /// mean(Â) = Σ Â / N.
    var meanAdvantage: T { normalizedRewards.sum() / T(normalizedRewards.count) }
}

/// The seed's literal GRPO loss, exactly as written: `−mean(normalised rewards)·L_MLE`, where L_MLE is
/// the model's mean next-token cross-entropy on the batch's own input ids (the prompt), not on the
/// sampled answers. **It trains nothing**: Σ_i Â_i = 0 in every group, so the loss is 0 up to
/// rounding, and the sampled answers' log-probabilities do not enter it at all.
///
/// Implements Specs/GRPO.md GRPO-3 (`seed_literal`, seed 003 Algorithm 1 lines 13–20):
/// `Â = groupNormalizedAdvantages(scores)` (GRPO-1), `L_MLE = −Σ m'·mleLogProbs / Σ m'` (0 when
/// Σ m' = 0), `L = −(Σ_i Â_i / N)·L_MLE`. `sampleLogProbs` [N,T], the log-probs of the sampled
/// answers a trainer would pass, is validated and otherwise — as in the seed — unused, so that the
/// zero gradient with respect to the samples can be shown. Use `correctedGRPOLoss` (GRPO-4) or
/// `grpoClippedLoss` (GRPO-2) to train.
/// - Throws: the errors of `groupNormalizedAdvantages`; then `empty`, `shapeMismatch` (not rank 2;
///   `mleMask` of another shape), `invalidArgument` (mask not 0/1), `nonFinite` for the MLE inputs;
///   `empty`, `shapeMismatch` (not [N,T]), `nonFinite` for `sampleLogProbs`.
public func seedLiteralGRPOLoss<T: Scalar>(
    scores: Tensor<T>, grouping: SampleGrouping = .single, normalization: GroupNormalization = GroupNormalization(),
    mleLogProbs: Tensor<T>, mleMask: Tensor<T>? = nil, sampleLogProbs: Tensor<T>? = nil
) throws -> SeedLiteralGRPOLoss<T> {
    let inputs = try SeedLiteralInputs(scores: scores, grouping: grouping, normalization: normalization,
                                       mleLogProbs: mleLogProbs, mleMask: mleMask, sampleLogProbs: sampleLogProbs)
    let mleLoss = -LossAggregation.tokenMean.aggregate(mleLogProbs, mask: inputs.mleMask)
    return SeedLiteralGRPOLoss(loss: -inputs.meanAdvantage * mleLoss, mleLoss: mleLoss,
                               normalizedRewards: inputs.normalizedRewards)
}

/// Gradient of `lossGradient·seedLiteralGRPOLoss` (Specs/GRPO.md, "Gradient"):
/// `∂L/∂mleLogProbs = mean(Â)·m'/Σ m'` (≈ 0) and `∂L/∂sampleLogProbs = 0` exactly.
/// - Throws: as `seedLiteralGRPOLoss`.
public func seedLiteralGRPOLossBackward<T: Scalar>(
    scores: Tensor<T>, grouping: SampleGrouping = .single, normalization: GroupNormalization = GroupNormalization(),
    mleLogProbs: Tensor<T>, mleMask: Tensor<T>? = nil, sampleLogProbs: Tensor<T>? = nil, lossGradient: T = 1
) throws -> SeedLiteralGRPOLossGradients<T> {
    let inputs = try SeedLiteralInputs(scores: scores, grouping: grouping, normalization: normalization,
                                       mleLogProbs: mleLogProbs, mleMask: mleMask, sampleLogProbs: sampleLogProbs)
    let scale = lossGradient * inputs.meanAdvantage
    return SeedLiteralGRPOLossGradients(
        mleLogProbs: LossAggregation.tokenMean.weights(mask: inputs.mleMask).map { scale * $0 },
        sampleLogProbs: sampleLogProbs.map { Tensor(shape: $0.shape) })
}

/// The corrected per-sample GRPO objective and the normalised rewards it used.
public struct CorrectedGRPOLoss<T: Scalar>: Sendable {
    /// L = −(1/N)·Σ_i Â_i·ℓ̄_i.
    public var loss: T
    /// Â [N] (GRPO-1).
    public var normalizedRewards: Tensor<T>
}

/// The corrected per-sample objective: REINFORCE with the group baseline and per-sequence length
/// normalisation, on the sampled answers' own log-probabilities.
///
/// Implements Specs/GRPO.md GRPO-4: `L = −(1/N)·Σ_i Â_i·ℓ̄_i`, `ℓ̄_i = Σ_t m·logProbs / Σ_t m` (0 for an
/// empty row, which still counts in N) — the `seq_mean_token_mean` aggregation (PPOPolicyLoss-4) of
/// `−Â_i·logProbs_{i,t}`. Its gradient equals that of `grpoClippedLoss` on-policy with β = 0 and
/// `seq_mean_token_mean`.
/// - Throws: the errors of `groupNormalizedAdvantages`; then `empty`, `shapeMismatch` (`logProbs` not
///   [N,T], `mask` of another shape), `invalidArgument` (mask not 0/1), `nonFinite` (`logProbs`).
public func correctedGRPOLoss<T: Scalar>(
    scores: Tensor<T>, grouping: SampleGrouping = .single, normalization: GroupNormalization = GroupNormalization(),
    logProbs: Tensor<T>, mask: Tensor<T>? = nil
) throws -> CorrectedGRPOLoss<T> {
    let (normalizedRewards, batch) = try correctedGRPOBatch(scores, grouping, normalization, logProbs, mask)
    let terms = batch.logProbs.zipMap(batch.advantages) { -$1 * $0 }
    return CorrectedGRPOLoss(loss: LossAggregation.sequenceMeanOfTokenMeans.aggregate(terms, mask: batch.mask),
                             normalizedRewards: normalizedRewards)
}

/// Gradient of `lossGradient·correctedGRPOLoss`: `∂L/∂logProbs_{i,t} = −Â_i·m_{i,t}/(N·n_i)` (0 in an
/// empty row) (Specs/GRPO.md, "Gradient").
/// - Throws: as `correctedGRPOLoss`.
public func correctedGRPOLossBackward<T: Scalar>(
    scores: Tensor<T>, grouping: SampleGrouping = .single, normalization: GroupNormalization = GroupNormalization(),
    logProbs: Tensor<T>, mask: Tensor<T>? = nil, lossGradient: T = 1
) throws -> Tensor<T> {
    let batch = try correctedGRPOBatch(scores, grouping, normalization, logProbs, mask).batch
    return LossAggregation.sequenceMeanOfTokenMeans.weights(mask: batch.mask)
        .zipMap(batch.advantages) { -lossGradient * $1 * $0 }
}

/// The normalised rewards [N] and the validated samples with the rewards broadcast over T.
private func correctedGRPOBatch<T: Scalar>(
    _ scores: Tensor<T>, _ grouping: SampleGrouping, _ normalization: GroupNormalization,
    _ logProbs: Tensor<T>, _ mask: Tensor<T>?
) throws -> (normalizedRewards: Tensor<T>, batch: PolicyTokenBatch<T>) {
    let advantages = try groupNormalizedAdvantages(scores, grouping: grouping, normalization: normalization)
    if logProbs.count > 0, logProbs.rank == 2, logProbs.shape[0] != scores.count {
        throw InputError.shapeMismatch(argument: "log_probs", expected: [scores.count, -1], actual: logProbs.shape)
    }
    return (advantages, try PolicyTokenBatch(logProbs: logProbs, oldLogProbs: logProbs, advantages: advantages, mask: mask))
}
