import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/GAE.md (input and output keys: the Spec's "Golden inputs and
/// outputs" section).
public struct GAEEvaluator: SpecEvaluator {
    public let spec = "GAE"
    public init() {}

    private func configuration(_ inputs: GoldenInputs) throws -> GAEConfiguration {
        var c = try inputs.preset(GAEConfiguration.presets, default: .paper)
        if let g = try inputs.number("gamma") { c.gamma = g }
        if let l = try inputs.number("lambda") { c.lambda = l }
        c.maskedSteps = try inputs.convention("masked_steps", default: c.maskedSteps)
        if let t = try inputs.bool("truncation_as_termination") { c.truncationAsTermination = t }
        if let w = try inputs.bool("whiten") { c.whitening = w ? (c.whitening ?? MaskedStandardization()) : nil }
        if var w = c.whitening {
            w.variance = try inputs.convention("whiten_variance", default: w.variance)
            if let e = try inputs.number("whiten_epsilon") { w.epsilon = e }
            w.epsilonPlacement = try inputs.convention("whiten_epsilon_placement", default: w.epsilonPlacement)
            if let s = try inputs.bool("whiten_shift_mean") { w.shiftMean = s }
            c.whitening = w
        }
        try c.validate()
        return c
    }

    /// The batch after reward placement, and where each sequence reward went.
    private func batch<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> (GAEBatch<T>, [Int?]?) {
        let values: Tensor<T> = try inputs.tensor("values")
        var rewards: Tensor<T> = try inputs.optionalTensor("rewards") ?? Tensor(shape: values.shape)
        var mask: Tensor<T>? = try inputs.optionalTensor("mask")
        var positions: [Int?]?
        if let scores: Tensor<T> = try inputs.optionalTensor("sequence_rewards") {
            let m = mask ?? Tensor(shape: values.shape, repeating: 1)
            try requireShape(rewards, values.shape, "rewards")
            try requireBinary(m, "mask")
            let placed = try placeSequenceRewards(scores, rewards: rewards, mask: m,
                                                  placement: inputs.convention("placement", default: .lastToken))
            rewards = placed.rewards
            mask = placed.mask
            positions = placed.positions
        } else if inputs.contains("placement") {
            _ = try inputs.convention("placement", default: RewardPlacement.lastToken)
        }
        let batch = try GAEBatch(rewards: rewards, values: values, mask: mask,
                                 terminated: inputs.optionalTensor("terminated"),
                                 truncated: inputs.optionalTensor("truncated"),
                                 truncationValues: inputs.optionalTensor("truncation_values"),
                                 lastValues: inputs.optionalTensor("last_values"))
        return (batch, positions)
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        let c = try configuration(inputs)
        let (b, _) = try batch(inputs, as: T.self)
        try requireTruncationValues(inputs, b, c)
        let result = try generalizedAdvantageEstimates(b, configuration: c)
        var out: Outputs = ["advantages": OutputValue(result.advantages), "returns": OutputValue(result.returns)]
        if let w = result.whitenedAdvantages { out["whitened_advantages"] = OutputValue(w) }
        return out
    }

    /// Truncation with bootstrapping needs the values of the truncated episodes' final observations.
    private func requireTruncationValues<T: Scalar>(_ inputs: GoldenInputs, _ b: GAEBatch<T>, _ c: GAEConfiguration) throws {
        if !c.truncationAsTermination, !inputs.contains("truncation_values"),
           zip(b.truncated.elements, b.mask.elements).contains(where: { $0 != 0 && $1 != 0 }) {
            throw InputError.missingInput(argument: "truncation_values")
        }
    }

    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let c = try configuration(inputs)
        let (b, positions) = try batch(inputs, as: Double.self)
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
