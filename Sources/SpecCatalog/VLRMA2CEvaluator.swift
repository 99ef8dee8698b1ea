import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/VLRMA2C.md (input and output keys: the Spec's "Golden inputs and
/// outputs" section). Gradients with respect to `logits` (or `log_probs`) and `values`; the two
/// advantage outputs are detached.
public struct VLRMA2CEvaluator: SpecEvaluator {
    public let spec = "VLRMA2C"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with, and what each reproduces.
    public var presets: [PresetDescription] { PresetProvenance.describe(VLRMA2CConfiguration.presets, PresetProvenance.ppo) }

    /// The golden names of `EpsilonPlacement` in this Spec.
    private enum EpsilonPlacementName: String, CaseIterable {
        case std, variance
        case varianceFloor = "variance_floor"

        init(_ placement: EpsilonPlacement) {
            switch placement {
            case .outsideSqrt: self = .std
            case .insideSqrt: self = .variance
            case .clamp: self = .varianceFloor
            }
        }

        var placement: EpsilonPlacement {
            switch self {
            case .std: .outsideSqrt
            case .variance: .insideSqrt
            case .varianceFloor: .clamp
            }
        }
    }

    private func configuration(_ inputs: GoldenInputs) throws -> VLRMA2CConfiguration {
        var c = try inputs.preset(VLRMA2CConfiguration.presets, default: .paper)
        c.policyTerm = try inputs.convention("policy_term", default: c.policyTerm)
        if let name = try inputs.string("aggregation") {
            c.aggregation = try LossAggregation(name: name, normalizer: try inputs.number("normalizer"))
        }
        c.stdEstimator = try inputs.convention("std_estimator", default: c.stdEstimator)
        c.epsilonPlacement = try inputs.convention("epsilon_placement", default: EpsilonPlacementName(c.epsilonPlacement)).placement
        if let e = try inputs.number("std_epsilon") { c.stdEpsilon = e }
        return c
    }

    /// Missing inputs, the choice of policy input and an empty batch (`[]` carries no inner shape, so
    /// it comes before the token ids are read), then the batch (the library validates it).
    private func batch<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> VLRMA2CBatch<T> {
        for key in ["values", "returns"] where !inputs.contains(key) { throw InputError.missingInput(argument: key) }
        let values: Tensor<T> = try inputs.tensor("values")
        let policy: VLRMPolicyInput<T>
        switch (inputs.contains("logits"), inputs.contains("log_probs")) {
        case (true, true):
            throw InputError.invalidArgument(argument: "log_probs", reason: "give either logits (with tokens) or log_probs, not both")
        case (false, false):
            throw InputError.missingInput(argument: "logits")
        case (true, false):
            guard inputs.contains("tokens") else { throw InputError.missingInput(argument: "tokens") }
            guard values.shape.first != 0 else { throw InputError.empty(argument: "values", reason: "the batch has no caption") }
            let tokens: Tensor<Double> = try inputs.tensor("tokens")   // ids stay exact whatever T is
            policy = .logits(try inputs.tensor("logits"), tokens: try TokenIDs(tokens))
        case (false, true):
            policy = .logProbs(try inputs.tensor("log_probs"))
        }
        return try VLRMA2CBatch(policy: policy, values: values, returns: inputs.tensor("returns"),
                                mask: inputs.optionalTensor("mask"))
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        let c = try configuration(inputs)
        let r = try vlrmA2CLosses(try batch(inputs, as: T.self), configuration: c)
        return ["policy_loss": OutputValue(r.policyLoss), "value_loss": OutputValue(r.valueLoss),
                "advantages": OutputValue(r.advantages), "advantages_normalized": OutputValue(r.normalizedAdvantages)]
    }

    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let c = try configuration(inputs)
        let b = try batch(inputs, as: Double.self)
        let g = try vlrmA2CLossesBackward(b, configuration: c, policyLossGradient: cotangents["policy_loss"]?.elements.first ?? 0,
                                          valueLossGradient: cotangents["value_loss"]?.elements.first ?? 0)
        let policyKey = if case .logits = b.policy { "logits" } else { "log_probs" }
        return [policyKey: g.policy, "values": g.values]
    }
}
