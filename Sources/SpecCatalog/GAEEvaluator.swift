import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/GAE.md (input and output keys: the Spec's "Golden inputs and
/// outputs" section).
public struct GAEEvaluator: SpecEvaluator {
    public let spec = "GAE"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with, and what each reproduces.
    public var presets: [PresetDescription] { PresetProvenance.describe(GAEConfiguration.presets, PresetProvenance.ppo) }

    /// The configuration from `preset` and explicit keys; string conventions are checked here,
    /// numeric ranges later (`GAEConfiguration.validate`), following the Spec's error order.
    private func configuration(_ inputs: GoldenInputs) throws -> GAEConfiguration {
        var c = try inputs.preset(GAEConfiguration.presets, default: .paper)
        c.maskedSteps = try inputs.convention("masked_steps", default: c.maskedSteps)
        c.rewardPlacement = try inputs.convention("placement", default: c.rewardPlacement)
        c.whitening.variance = try inputs.convention("whiten_variance", default: c.whitening.variance)
        c.whitening.epsilonPlacement = try inputs.convention("whiten_epsilon_placement", default: c.whitening.epsilonPlacement)
        if let t = try inputs.bool("truncation_as_termination") { c.truncationAsTermination = t }
        if let w = try inputs.bool("whiten") { c.whiten = w }
        if let s = try inputs.bool("whiten_shift_mean") { c.whitening.shiftMean = s }
        if let g = try inputs.number("gamma") { c.gamma = g }
        if let l = try inputs.number("lambda") { c.lambda = l }
        if let e = try inputs.number("whiten_epsilon") { c.whitening.epsilon = e }
        return c
    }

    /// The batch after reward placement (GAE-1), and where each sequence reward went.
    private func batch<T: Scalar>(_ inputs: GoldenInputs, _ c: GAEConfiguration, as: T.Type) throws -> (GAEBatch<T>, [Int?]?) {
        let values: Tensor<T> = try inputs.tensor("values")
        let scores: Tensor<T>? = try inputs.optionalTensor("sequence_rewards")
        guard inputs.contains("rewards") || scores != nil else { throw InputError.missingInput(argument: "rewards") }
        var rewards: Tensor<T> = try inputs.optionalTensor("rewards") ?? Tensor(shape: values.shape)
        var mask: Tensor<T>? = try inputs.optionalTensor("mask")
        var positions: [Int?]?
        if let scores, values.rank == 2 {
            let m = mask ?? Tensor(shape: values.shape, repeating: 1)
            try requireShape(m, values.shape, "mask")
            try requireShape(rewards, values.shape, "rewards")
            try requireShape(scores, [values.shape[0]], "sequence_rewards")
            try requireBinary(m, "mask")
            let placed = try placeSequenceRewards(scores, rewards: rewards, mask: m, placement: c.rewardPlacement)
            rewards = placed.rewards
            mask = placed.mask
            positions = placed.positions
        }
        let batch = try GAEBatch(rewards: rewards, values: values, mask: mask,
                                 terminated: inputs.optionalTensor("terminated"),
                                 truncated: inputs.optionalTensor("truncated"),
                                 truncationValues: inputs.optionalTensor("truncation_values"),
                                 lastValues: inputs.optionalTensor("last_values"))
        try c.validate()
        try requireTruncationValues(inputs, batch, c)
        return (batch, positions)
    }

    /// The `form` values `evaluate` dispatches on (`rlref describe`).
    public var forms: [String] { Form.allCases.map(\.rawValue) }

    /// The equation group a case computes (input key `form`).
    private enum Form: String, CaseIterable {
        /// GAE-1…5: advantages and returns of rewards and values (the default).
        case gae
        /// GAE-5 alone: whitening of a given array `x` over `mask`, with its mean and variance.
        case whiten
        /// GAE-2…4 in CleanRL's layout: time-major [T, N] arrays, `dones[t]` = step t starts a new episode,
        /// `next_done` and `next_value` after the last step.
        case cleanrl
    }

    /// A form-"cleanrl" case as the Spec's [B = N, T] batch: rows are environments, `terminated[n, t] =
    /// dones[t + 1, n]` (`next_done[n]` at t = T − 1), `last_values = next_value`, every step real.
    private func cleanRLBatch<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> GAEBatch<T> {
        try inputs.require("rewards", "values", "dones", "next_value", "next_done")
        let (rewards, values, dones): (Tensor<T>, Tensor<T>, Tensor<T>) =
            (try inputs.tensor("rewards"), try inputs.tensor("values"), try inputs.tensor("dones"))
        let (nextValue, nextDone): (Tensor<T>, Tensor<T>) = (try inputs.tensor("next_value"), try inputs.tensor("next_done"))
        guard values.rank == 2 else { throw InputError.shapeMismatch(argument: "values", expected: [-1, -1], actual: values.shape) }
        let (steps, envs) = (values.shape[0], values.shape[1])
        try requireShape(rewards, values.shape, "rewards")
        try requireShape(dones, values.shape, "dones")
        try requireShape(nextValue, [envs], "next_value")
        try requireShape(nextDone, [envs], "next_done")
        try requireBinary(dones, "dones")
        try requireBinary(nextDone, "next_done")
        var terminated = Tensor<T>(shape: [envs, steps])
        for n in 0..<envs {
            for t in 0..<steps { terminated[n, t] = t + 1 < steps ? dones[t + 1, n] : nextDone[n] }
        }
        return try GAEBatch(rewards: Self.transposed(rewards), values: Self.transposed(values), terminated: terminated,
                            lastValues: nextValue)
    }

    /// [a, b] → [b, a].
    private static func transposed<T: Scalar>(_ x: Tensor<T>) -> Tensor<T> {
        var y = Tensor<T>(shape: [x.shape[1], x.shape[0]])
        for i in 0..<x.shape[0] { for j in 0..<x.shape[1] { y[j, i] = x[i, j] } }
        return y
    }

    /// A form-"whiten" case: the array, its mask and the whitening conventions, checked in the order
    /// of the Spec's form-"whiten" errors (missing, shapes, 0/1 mask, finiteness, ε range, empty).
    private func whitenProblem<T: Scalar>(_ inputs: GoldenInputs, _ c: GAEConfiguration, as: T.Type)
        throws -> (x: Tensor<T>, mask: Tensor<T>) {
        try inputs.require("x")
        let x: Tensor<T> = try inputs.tensor("x")
        guard x.rank == 2 else { throw InputError.shapeMismatch(argument: "x", expected: [-1, -1], actual: x.shape) }
        let mask: Tensor<T> = try inputs.optionalTensor("mask") ?? Tensor(shape: x.shape, repeating: 1)
        try requireShape(mask, x.shape, "mask")
        try requireBinary(mask, "mask")
        try requireFinite(x, "x")
        try c.whitening.validate(argument: "whiten_epsilon")
        return (x, mask)
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        let c = try configuration(inputs)
        if try inputs.convention("form", default: Form.gae) == .whiten {
            // Specs/GAE.md GAE-5 on a given array, with the statistics it uses.
            let (x, mask) = try whitenProblem(inputs, c, as: T.self)
            let st = try c.whitening.statistics(of: x, mask: mask, argument: "x")
            return ["whitened": OutputValue(try c.whitening.apply(x, mask: mask, argument: "x")),
                    "mean": OutputValue(st.mean), "variance": OutputValue(st.variance)]
        }
        if try inputs.convention("form", default: Form.gae) == .cleanrl {
            // Specs/GAE.md GAE-2…4 in CleanRL's time-major layout; results transposed back to [T, N].
            let b = try cleanRLBatch(inputs, as: T.self)
            try c.validate()
            let r = try generalizedAdvantageEstimates(b, configuration: c)
            var out: Outputs = ["advantages": OutputValue(Self.transposed(r.advantages)), "returns": OutputValue(Self.transposed(r.returns))]
            if let w = r.whitenedAdvantages { out["whitened_advantages"] = OutputValue(Self.transposed(w)) }
            return out
        }
        let (b, _) = try batch(inputs, c, as: T.self)
        let result = try generalizedAdvantageEstimates(b, configuration: c)
        var out: Outputs = ["advantages": OutputValue(result.advantages), "returns": OutputValue(result.returns)]
        if let w = result.whitenedAdvantages { out["whitened_advantages"] = OutputValue(w) }
        return out
    }

    /// Truncation with bootstrapping needs the values of the truncated episodes' final observations.
    private func requireTruncationValues<T: Scalar>(_ inputs: GoldenInputs, _ b: GAEBatch<T>, _ c: GAEConfiguration) throws {
        let needsBootstrap = b.truncated.elements.indices.contains {
            b.truncated.elements[$0] != 0 && b.mask.elements[$0] != 0 && b.terminated.elements[$0] == 0
        }
        if !c.truncationAsTermination, !inputs.contains("truncation_values"), needsBootstrap {
            throw InputError.missingInput(argument: "truncation_values")
        }
    }

    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let c = try configuration(inputs)
        if try inputs.convention("form", default: Form.gae) == .whiten {
            let (x, mask) = try whitenProblem(inputs, c, as: Double.self)
            var g = try c.whitening.statisticsBackward(meanGradient: scalarCotangent(cotangents, "mean"),
                                                       varianceGradient: scalarCotangent(cotangents, "variance"),
                                                       x: x, mask: mask, argument: "x")
            if let w = cotangents["whitened"] { g = g + (try c.whitening.backward(w, x: x, mask: mask, argument: "x")) }
            return ["x": g]
        }
        if try inputs.convention("form", default: Form.gae) == .cleanrl {
            let b = try cleanRLBatch(inputs, as: Double.self)
            try c.validate()
            let g = try generalizedAdvantageEstimatesBackward(
                b, configuration: c,
                advantagesGradient: cotangents["advantages"].map(Self.transposed),
                returnsGradient: cotangents["returns"].map(Self.transposed),
                whitenedGradient: cotangents["whitened_advantages"].map(Self.transposed))
            return ["rewards": Self.transposed(g.rewards), "values": Self.transposed(g.values), "next_value": g.lastValues]
        }
        let (b, positions) = try batch(inputs, c, as: Double.self)
        let g = try generalizedAdvantageEstimatesBackward(
            b, configuration: c, advantagesGradient: cotangents["advantages"],
            returnsGradient: cotangents["returns"], whitenedGradient: cotangents["whitened_advantages"])
        var out: [String: Tensor<Double>] = ["rewards": g.rewards, "values": g.values]
        if inputs.contains("last_values") { out["last_values"] = g.lastValues }
        if inputs.contains("truncation_values") { out["truncation_values"] = g.truncationValues }
        if let positions {
            var ds = Tensor<Double>(shape: [positions.count])
            for (row, p) in positions.enumerated() { if let p { ds[row] = g.rewards[row, p] } }
            out["sequence_rewards"] = ds
        }
        return out
    }
}
