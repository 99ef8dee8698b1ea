import Tensor

/// Which samples share a prompt, i.e. form a group whose rewards are compared (Specs/GRPO.md GRPO-1).
public enum SampleGrouping: Sendable, Equatable {
    /// One group of all N samples (seed 003: batch size 1, `num_samples` samples per prompt).
    case single
    /// Consecutive blocks of `size` samples; N must be a multiple of `size` (TRL, verl layouts).
    case consecutive(size: Int)
    /// An explicit group label per sample; members need not be contiguous.
    case labels([Int])

    /// The members of each group (sample indices, ascending), groups in order of first appearance.
    /// - Throws: `outOfRange` (`group_size` < 1), `invalidArgument` (N not a multiple of
    ///   `group_size`), `shapeMismatch` (`group_ids` without N entries).
    public func groups(count n: Int) throws -> [[Int]] {
        switch self {
        case .single:
            return [Array(0..<n)]
        case .consecutive(let size):
            guard size >= 1 else { throw InputError.outOfRange(argument: "group_size", value: Double(size), range: "[1, inf)") }
            guard n % size == 0 else {
                throw InputError.invalidArgument(argument: "group_size", reason: "\(n) samples are not a multiple of \(size)")
            }
            return stride(from: 0, to: n, by: size).map { Array($0..<($0 + size)) }
        case .labels(let labels):
            guard labels.count == n else {
                throw InputError.shapeMismatch(argument: "group_ids", expected: [n], actual: [labels.count])
            }
            var position: [Int: Int] = [:]
            var groups: [[Int]] = []
            for (i, label) in labels.enumerated() {
                if let g = position[label] {
                    groups[g].append(i)
                } else {
                    position[label] = groups.count
                    groups.append([i])
                }
            }
            return groups
        }
    }
}

/// Where ε goes in the denominator D(v) of the group normalisation (Specs/GRPO.md GRPO-1 step 5).
public enum GroupEpsilonPlacement: String, Sendable, CaseIterable {
    /// D = √v + ε (seed 003 line 15 `std + ε`, TRL, verl `grpo`, OpenRLHF).
    case outside
    /// D = √(v + ε).
    case inside
    /// D = √max(v, ε) + ε (verl `group_mean_std`).
    case varianceFloor = "variance_floor"

    /// D(v) for variance `v` and stabiliser `epsilon` (the shared `EpsilonPlacement` scales, plus ε
    /// outside the root for the variance floor).
    func denominator<T: Scalar>(variance v: T, epsilon: T) -> T {
        switch self {
        case .outside: EpsilonPlacement.outsideSqrt.scale(variance: v, epsilon: epsilon)
        case .inside: EpsilonPlacement.insideSqrt.scale(variance: v, epsilon: epsilon)
        case .varianceFloor: EpsilonPlacement.clamp.scale(variance: v, epsilon: epsilon) + epsilon
        }
    }
}

/// Which variance scales the centred rewards (Specs/GRPO.md GRPO-1 step 4).
public enum AdvantageScale: String, Sendable, CaseIterable {
    /// The group's own variance (GRPO).
    case group
    /// The variance of all N scores around the batch mean (TRL `scale_rewards="batch"`).
    case batch
    /// No scaling, A = r − μ_g (Dr. GRPO; verl `norm_adv_by_std_in_grpo=False`).
    case none
}

/// What a group of one sample gets (Specs/GRPO.md GRPO-1 step 1).
public enum SingletonGroup: String, Sendable, CaseIterable {
    /// A = 0 (TRL with one generation).
    case zero
    /// μ := 0 and the group variance := 1, so A = r/D(1) (verl).
    case meanZeroStdOne = "mean_zero_std_one"
}

/// Conventions of GRPO's group-normalised advantages (Specs/GRPO.md, "Conventions and presets").
/// Defaults are seed 003's reading: population std, ε = 1e-8 outside the root, group scale,
/// singletons 0.
public struct GroupNormalization: Sendable, Equatable {
    /// Divide the squared deviations by n (`population`) or n − 1 (`unbiased`, `torch.std`).
    public var variance: VarianceEstimator
    /// ε ≥ 0; 0 is allowed (a zero denominator gives A = 0).
    public var epsilon: Double
    public var epsilonPlacement: GroupEpsilonPlacement
    public var scale: AdvantageScale
    public var singletonGroup: SingletonGroup

    public init(variance: VarianceEstimator = .population, epsilon: Double = 1e-8,
                epsilonPlacement: GroupEpsilonPlacement = .outside, scale: AdvantageScale = .group,
                singletonGroup: SingletonGroup = .zero) {
        self.variance = variance
        self.epsilon = epsilon
        self.epsilonPlacement = epsilonPlacement
        self.scale = scale
        self.singletonGroup = singletonGroup
    }

    /// Throws `nonFinite` for a NaN or infinite ε, `outOfRange` for ε < 0.
    public func validate() throws {
        guard epsilon.isFinite else { throw InputError.nonFinite(argument: "epsilon", index: []) }
        guard epsilon >= 0 else { throw InputError.outOfRange(argument: "epsilon", value: epsilon, range: "[0, inf)") }
    }

    /// Mean and variance (this estimator; 0 for a single value) of `x`.
    func moments<T: Scalar>(_ x: Tensor<T>) throws -> (mean: T, variance: T) {
        let s = try MaskedStandardization(variance: variance)
            .statistics(of: x, mask: Tensor(shape: x.shape, repeating: 1), argument: "scores")
        return (s.mean, s.variance)
    }
}

/// Group-normalised advantages of GRPO: every sample's reward compared with its group.
///
/// Implements Specs/GRPO.md GRPO-1, per group g of n samples: n = 1 → A = 0 (`zero`) or μ := 0,
/// v_g := 1 (`mean_zero_std_one`); n ≥ 2 with all scores exactly equal → A = 0 exactly; otherwise
/// μ = Σr/n, v_g the chosen variance, c = r − μ, and A = c (`scale` none) or A = c/D(v) with
/// v = v_g (`group`) or the batch variance (`batch`) and D from `epsilonPlacement`; A = 0 when
/// D = 0 (only possible with ε = 0). Advantages are constants for the losses: no backward.
/// - Throws: the normalisation's `nonFinite` / `outOfRange` (ε), then `empty` (no score),
///   `shapeMismatch` (`scores` not rank 1), `nonFinite` (a NaN or infinite score), then the
///   grouping's errors.
public func groupNormalizedAdvantages<T: Scalar>(
    _ scores: Tensor<T>, grouping: SampleGrouping = .single, normalization: GroupNormalization = GroupNormalization()
) throws -> Tensor<T> {
    try normalization.validate()
    guard scores.count > 0 else { throw InputError.empty(argument: "scores", reason: "has no element") }
    guard scores.rank == 1 else { throw InputError.shapeMismatch(argument: "scores", expected: [-1], actual: scores.shape) }
    try requireFinite(scores, "scores")
    let groups = try grouping.groups(count: scores.count)
    let batchVariance = normalization.scale == .batch ? try normalization.moments(scores).variance : 0
    let epsilon = T(normalization.epsilon)
    var advantages = Tensor<T>(shape: scores.shape)
    for members in groups {
        let (mean, groupVariance): (T, T)
        if members.count == 1 {
            guard normalization.singletonGroup == .meanZeroStdOne else { continue }
            (mean, groupVariance) = (0, 1)
        } else {
            let first = scores.elements[members[0]]
            if members.allSatisfy({ scores.elements[$0] == first }) { continue }
            (mean, groupVariance) = try normalization.moments(Tensor(members.map { scores.elements[$0] }))
        }
        let denominator: T = switch normalization.scale {
        case .none: 1
        case .group: normalization.epsilonPlacement.denominator(variance: groupVariance, epsilon: epsilon)
        case .batch: normalization.epsilonPlacement.denominator(variance: batchVariance, epsilon: epsilon)
        }
        guard denominator > 0 else { continue }
        for i in members { advantages.elements[i] = (scores.elements[i] - mean) / denominator }
    }
    return advantages
}
