import Tensor

/// What one per-token estimator gives in expectation over sequences x ~ π_θ, with
/// `K(x) = Σ_t k(log π_θ(x_t|x_<t), log π_ref(x_t|x_<t))` (no clamps). Gradients are [P,V], w.r.t. the logits.
public struct KLEstimatorMoments<T: Scalar>: Sendable {
    /// `E[K] = Σ_x π_θ(x)·K(x)`.
    public var expectation: T
    /// `Σ_x π_θ(x)·∇_θ K(x)`: the estimator put in the loss and back-propagated through log π_θ
    /// (straight-through derivative for `k1_plus`/`k3_plus`).
    public var pathwiseGradient: Tensor<T>
    /// `Σ_x π_θ(x)·∇_θ log π_θ(x)·K(x)`: the estimator put in the reward (REINFORCE).
    public var scoreFunctionGradient: Tensor<T>
    /// `pathwise + score function` (= ∇_θ E[K] for k1, k2, k3).
    public var totalGradient: Tensor<T>
}

/// The exact-enumeration experiment of Specs/KLPenalty.md KLPenalty-9: which per-token KL estimators
/// give unbiased values and gradients of KL(π_θ‖π_ref) over whole sequences.
///
/// The policy is a toy autoregressive softmax over the vocabulary `{0, …, V−1}` whose last id `V−1` is
/// EOS: `π_θ(x) = Π_t softmax(logits[prefix(x_<t)])[x_t]`, π_ref likewise with `refLogits`. A sequence ends
/// at EOS or at length `maxLength` = L. The rows of the logit tables [P,V] are the non-EOS prefixes of
/// length < L, ordered by length, then as base-(V−1) numbers with the first token most significant
/// (V = 3, L = 3: `[]`, `[0]`, `[1]`, `[0,0]`, `[0,1]`, `[1,0]`, `[1,1]`), so `P = Σ_{l<L} (V−1)^l`.
/// Every sequence is visited once; gradients use `∂ log softmax(θ_p)[v]/∂θ_p = e_v − softmax(θ_p)`.
public struct KLEstimatorEnumeration<T: Scalar>: Sendable {
    /// Number of distinct sequences (ending at EOS or at length L).
    public var sequenceCount: Int
    /// `KL(π_θ‖π_ref) = Σ_x π_θ(x)·(log π_θ(x) − log π_ref(x))`.
    public var kl: T
    /// `∇_θ KL(π_θ‖π_ref)` [P,V], exact.
    public var klGradient: Tensor<T>
    /// `KL(π_ref‖π_θ) = Σ_x π_ref(x)·(log π_ref(x) − log π_θ(x))`.
    public var forwardKL: T
    /// `∇_θ KL(π_ref‖π_θ)` [P,V].
    public var forwardKLGradient: Tensor<T>
    /// The moments of every estimator of `KLEstimator.allCases`.
    public var moments: [KLEstimator: KLEstimatorMoments<T>]

    /// Enumerates every sequence of the toy policies `logits`, `refLogits` [P,V] up to `maxLength`.
    /// - Throws: `outOfRange` for `maxLength ∉ 1…4`; `shapeMismatch` when `logits` is not rank 2 or
    ///   `refLogits` differs from it; `outOfRange` for `V ∉ 2…4`; `shapeMismatch` when
    ///   `P ≠ Σ_{l<L} (V−1)^l`; `nonFinite` for NaN/±∞ in either table.
    public init(logits: Tensor<T>, refLogits: Tensor<T>, maxLength: Int) throws {
        try requireInRange(Double(maxLength), 1...4, "max_length")
        guard logits.rank == 2 else {
            throw InputError.shapeMismatch(argument: "logits", expected: [-1, -1], actual: logits.shape)
        }
        try requireShape(refLogits, logits.shape, "ref_logits")
        let vocabulary = logits.shape[1]
        guard (2...4).contains(vocabulary) else {
            throw InputError.outOfRange(argument: "logits", value: Double(vocabulary), range: "2...4 columns (V)")
        }
        let branching = vocabulary - 1
        // levelOffsets[l] = Σ_{j<l} (V−1)^j: the first row of the prefixes of length l.
        var levelOffsets = [0]
        var levelWidth = 1
        for l in 0..<maxLength {
            levelOffsets.append(levelOffsets[l] + levelWidth)
            levelWidth *= branching
        }
        try requireShape(logits, [levelOffsets[maxLength], vocabulary], "logits")
        try requireFinite(logits, "logits")
        try requireFinite(refLogits, "ref_logits")

        let logPolicy = logits.logSoftmaxLastAxis()
        let logReference = refLogits.logSoftmaxLastAxis()
        let policy = logPolicy.map(T.exp)
        let estimators = KLEstimator.allCases.map { KLTokenEstimator($0) }

        var sequenceCount = 0
        var kl: T = 0, forwardKL: T = 0
        var klGradient = Tensor<T>(shape: logits.shape), forwardKLGradient = klGradient
        var expectations = [T](repeating: 0, count: estimators.count)
        var pathwise = [Tensor<T>](repeating: klGradient, count: estimators.count)
        var scoreFunction = pathwise

        // The sequence being built: its prefix row and token at each step.
        var rows = [Int](repeating: 0, count: maxLength)
        var tokens = [Int](repeating: 0, count: maxLength)

        /// Adds `c·∇_θ log π_θ(x_t | x_<t)` = `c·(e_token − softmax(logits[row]))` to row `row` of `g`.
        func addScoreDirection(_ g: inout Tensor<T>, step t: Int, _ c: T) {
            let base = rows[t] * vocabulary
            for v in 0..<vocabulary { g.elements[base + v] -= c * policy.elements[base + v] }
            g.elements[base + tokens[t]] += c
        }

        /// Accumulates every quantity for the complete sequence `tokens[0..<length]`.
        func finishSequence(length: Int) {
            sequenceCount += 1
            var logProb: T = 0, refLogProb: T = 0
            for t in 0..<length {
                logProb += logPolicy[rows[t], tokens[t]]
                refLogProb += logReference[rows[t], tokens[t]]
            }
            let probability = T.exp(logProb), refProbability = T.exp(refLogProb)
            let logRatio = logProb - refLogProb
            kl += probability * logRatio
            forwardKL -= refProbability * logRatio
            for t in 0..<length {
                // ∇[π·(log π − log π_ref)] = π·(log π − log π_ref + 1)·∇log π.
                addScoreDirection(&klGradient, step: t, probability * (logRatio + 1))
                addScoreDirection(&forwardKLGradient, step: t, -refProbability)
            }
            for (i, estimator) in estimators.enumerated() {
                var total: T = 0
                for t in 0..<length {
                    let lp = logPolicy[rows[t], tokens[t]], ref = logReference[rows[t], tokens[t]]
                    total += estimator.value(logProb: lp, refLogProb: ref)
                    addScoreDirection(&pathwise[i], step: t, probability * estimator.derivative(logProb: lp, refLogProb: ref))
                }
                expectations[i] += probability * total
                for t in 0..<length { addScoreDirection(&scoreFunction[i], step: t, probability * total) }
            }
        }

        /// Extends the prefix at `row` (the `index`-th prefix of length `depth`) by every token.
        func extend(row: Int, index: Int, depth: Int) {
            for token in 0..<vocabulary {
                rows[depth] = row
                tokens[depth] = token
                if token == vocabulary - 1 || depth + 1 == maxLength {
                    finishSequence(length: depth + 1)
                } else {
                    let child = index * branching + token
                    extend(row: levelOffsets[depth + 1] + child, index: child, depth: depth + 1)
                }
            }
        }
        extend(row: 0, index: 0, depth: 0)

        self.sequenceCount = sequenceCount
        self.kl = kl
        self.klGradient = klGradient
        self.forwardKL = forwardKL
        self.forwardKLGradient = forwardKLGradient
        var moments: [KLEstimator: KLEstimatorMoments<T>] = [:]
        for (i, estimator) in estimators.enumerated() {
            moments[estimator.estimator] = KLEstimatorMoments(
                expectation: expectations[i], pathwiseGradient: pathwise[i],
                scoreFunctionGradient: scoreFunction[i], totalGradient: pathwise[i] + scoreFunction[i])
        }
        self.moments = moments
    }
}
