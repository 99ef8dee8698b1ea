import Tensor

/// The Monte-Carlo estimate of a stochastic reward from K draws per row.
public struct MonteCarloRewardEstimate<T: Scalar>: Sendable {
    /// [N]: the averaged reward (the one used for training).
    public var mean: Tensor<T>
    /// [N]: the spread of the draws (for logging).
    public var variance: Tensor<T>
}

/// Mean and variance of K draws x [N, K] of a stochastic reward per row (seed 001 evaluates its
/// diffusion reward K = 5 times and averages).
///
/// Implements Specs/SimilarityReward.md SimilarityReward-3 (`mean_i = Σ_k x_ik / K`) and
/// SimilarityReward-4 (two-pass `m2_i = Σ_k (x_ik − mean_i)²`, `variance_i = m2_i / K` for
/// `.population`, `m2_i / (K − 1)` for `.unbiased`), never `E[x²] − E[x]²`.
/// - Throws: in this order, `shapeMismatch` (not [N, K]), `empty` (N = 0 or K = 0),
///   `invalidArgument` (unbiased variance with K = 1), `nonFinite`, `outOfRange` (an entry above
///   `SimilarityRewardConfiguration.magnitudeBound`).
public func monteCarloRewardEstimate<T: Scalar>(_ draws: Tensor<T>,
                                                variance estimator: VarianceEstimator = .population) throws -> MonteCarloRewardEstimate<T> {
    try validateDraws(draws, estimator)
    let (n, k) = (draws.shape[0], draws.shape[1])
    var estimate = MonteCarloRewardEstimate(mean: Tensor<T>(shape: [n]), variance: Tensor<T>(shape: [n]))
    let divisor = T(estimator == .unbiased ? k - 1 : k)
    for row in 0..<n {
        let xs = draws.elements[(row * k)..<(row * k + k)]
        let mean = xs.reduce(0, +) / T(k)
        estimate.mean[row] = mean
        estimate.variance[row] = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / divisor
    }
    return estimate
}

/// Vector–Jacobian product of `monteCarloRewardEstimate`: ∂L/∂x_ik = g_mean,i / K +
/// g_variance,i · 2(x_ik − mean_i)/(K − ddof) (the mean's own dependence cancels since the
/// deviations sum to 0). Absent cotangents are 0.
/// - Throws: the errors of `monteCarloRewardEstimate`, and `shapeMismatch` for a cotangent not [N].
public func monteCarloRewardEstimateBackward<T: Scalar>(_ draws: Tensor<T>, variance estimator: VarianceEstimator = .population,
                                                        meanGradient: Tensor<T>? = nil,
                                                        varianceGradient: Tensor<T>? = nil) throws -> Tensor<T> {
    let estimate = try monteCarloRewardEstimate(draws, variance: estimator)
    let (n, k) = (draws.shape[0], draws.shape[1])
    let gMean = meanGradient ?? Tensor(shape: [n])
    let gVariance = varianceGradient ?? Tensor(shape: [n])
    try requireShape(gMean, [n], "mean cotangent")
    try requireShape(gVariance, [n], "variance cotangent")
    let divisor = T(estimator == .unbiased ? k - 1 : k)
    var gradient = Tensor<T>(shape: draws.shape)
    for row in 0..<n {
        for j in (row * k)..<(row * k + k) {
            gradient.elements[j] = gMean[row] / T(k) + gVariance[row] * 2 * (draws.elements[j] - estimate.mean[row]) / divisor
        }
    }
    return gradient
}

/// The errors of `monteCarloRewardEstimate`, in the Spec's order.
private func validateDraws<T: Scalar>(_ draws: Tensor<T>, _ estimator: VarianceEstimator) throws {
    try requireMatrix(draws, "draws")
    guard draws.count > 0 else {
        throw InputError.empty(argument: "draws", reason: "needs N ≥ 1 rows of K ≥ 1 draws, got \(draws.shape)")
    }
    if estimator == .unbiased && draws.shape[1] == 1 {
        throw InputError.invalidArgument(argument: "variance_estimator", reason: "the unbiased variance needs K ≥ 2 draws")
    }
    try requireFinite(draws, "draws")
    try requireWithinMagnitudeBound(draws, "draws")
}
