import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/KLPenalty.md (input and output keys: the Spec's "Golden inputs and
/// outputs" section). The `form` key selects the equation group: `per_token` (KLPenalty-1…5, the
/// default), `reward` (-6), `loss` (-7), `controller` (-8), `exact_enumeration` (-9).
public struct KLPenaltyEvaluator: SpecEvaluator {
    public let spec = "KLPenalty"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with, and what each reproduces.
    public var presets: [PresetDescription] { PresetProvenance.describe(Dictionary(uniqueKeysWithValues: KLPenaltyPreset.allCases.map { ($0.rawValue, $0.configuration()) }), PresetProvenance.ppo) }

    /// The `form` values `evaluate` dispatches on (`rlref describe`).
    public var forms: [String] { Form.allCases.map(\.rawValue) }

    private enum Form: String, CaseIterable {
        case perToken = "per_token", reward, loss, controller
        case exactEnumeration = "exact_enumeration"
    }

    /// Defaults ← preset ← explicit keys, as the Spec's presets section says: verl's clamps follow
    /// the final estimator, and an explicit `null` clamp removes the preset's clamp.
    private func configuration(_ inputs: GoldenInputs) throws -> KLPenaltyConfiguration {
        let preset = try inputs.convention("preset", default: KLPenaltyPreset.paper)
        let estimator = try inputs.convention("estimator", default: preset.estimator)
        var c = preset.configuration(estimator: estimator)
        if inputs.object["log_ratio_clamp"] != nil { c.tokenEstimator.logRatioClamp = try inputs.number("log_ratio_clamp") }
        if inputs.object["kl_clamp"] != nil { c.tokenEstimator.klClamp = try inputs.number("kl_clamp") }
        if let beta = try inputs.number("kl_coef") { c.klCoef = beta }
        c.placement = try inputs.convention("placement", default: c.placement)
        try c.validate()
        return c
    }

    private func batch<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> KLTokenBatch<T> {
        try KLTokenBatch(logProbs: inputs.tensor("log_probs"), refLogProbs: inputs.tensor("ref_log_probs"),
                         mask: inputs.optionalTensor("mask"))
    }

    /// The loss-form configuration: the aggregation is read after the token inputs (the Spec's order).
    private func lossConfiguration(_ inputs: GoldenInputs, _ c: KLPenaltyConfiguration) throws -> KLPenaltyConfiguration {
        var c = c
        c.aggregation = try LossAggregation(name: inputs.string("aggregation") ?? "token_mean",
                                            normalizer: inputs.number("normalizer"))
        return c
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        switch try inputs.convention("form", default: Form.perToken) {
        case .perToken:
            let c = try configuration(inputs)
            return ["kl": OutputValue(c.tokenEstimator.estimates(try batch(inputs, as: T.self)))]
        case .reward:
            let c = try configuration(inputs)
            let b = try batch(inputs, as: T.self)
            let r = try klPenalizedRewards(b, scores: inputs.tensor("scores"), configuration: c)
            return ["rewards": OutputValue(r.rewards), "kl": OutputValue(r.kl), "sequence_kl": OutputValue(r.sequenceKL)]
        case .loss:
            let c = try configuration(inputs)
            let b = try batch(inputs, as: T.self)
            let (loss, kl) = try klPenaltyLoss(b, configuration: lossConfiguration(inputs, c))
            return ["loss": OutputValue(loss), "kl": OutputValue(kl)]
        case .controller:
            return try controller(inputs)
        case .exactEnumeration:
            return try enumeration(inputs, as: T.self)
        }
    }

    private func controller(_ inputs: GoldenInputs) throws -> Outputs {
        func required(_ key: String) throws -> Double {
            guard let value = try inputs.number(key) else { throw InputError.missingInput(argument: key) }
            return value
        }
        let (beta, target, horizon) = (try required("kl_coef"), try required("target"), try required("horizon"))
        let (current, steps) = (try required("current_kl"), try required("n_steps"))
        guard steps.isFinite else { throw InputError.nonFinite(argument: "n_steps", index: []) }
        guard steps == steps.rounded(), abs(steps) < 9e15 else {
            throw InputError.invalidArgument(argument: "n_steps", reason: "expected an integer, got \(steps)")
        }
        let controller = AdaptiveKLController(target: target, horizon: horizon, errorClip: try inputs.number("error_clip") ?? 0.2)
        let update = try controller.update(klCoef: beta, currentKL: current, nSteps: Int(steps))
        return ["new_kl_coef": OutputValue(update.klCoef), "proportional_error": OutputValue(update.proportionalError)]
    }

    private func enumeration<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        for key in ["logits", "ref_logits", "max_length"] where !inputs.contains(key) {
            throw InputError.missingInput(argument: key)
        }
        let length = try inputs.number("max_length") ?? 0
        guard length == length.rounded(), (1...4).contains(length) else {
            throw InputError.outOfRange(argument: "max_length", value: length, range: "integers 1...4")
        }
        let e = try KLEstimatorEnumeration<T>(logits: inputs.tensor("logits"), refLogits: inputs.tensor("ref_logits"),
                                              maxLength: Int(length))
        var out: Outputs = [
            "num_sequences": OutputValue(T(e.sequenceCount)),
            "kl": OutputValue(e.kl), "kl_grad": OutputValue(e.klGradient),
            "forward_kl": OutputValue(e.forwardKL), "forward_kl_grad": OutputValue(e.forwardKLGradient),
        ]
        for (estimator, m) in e.moments {
            let name = estimator.rawValue
            out["\(name)_expectation"] = OutputValue(m.expectation)
            out["\(name)_pathwise_grad"] = OutputValue(m.pathwiseGradient)
            out["\(name)_score_function_grad"] = OutputValue(m.scoreFunctionGradient)
            out["\(name)_total_grad"] = OutputValue(m.totalGradient)
        }
        return out
    }

    /// ∂L/∂log_probs for the per-token form (cotangent on `kl`) and the loss form (cotangents on
    /// `loss` and, if given, `kl`); the other forms have no differentiable inputs.
    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let form = try inputs.convention("form", default: Form.perToken)
        guard form == .perToken || form == .loss else { return [:] }
        var c = try configuration(inputs)
        let b = try batch(inputs, as: Double.self)
        var g = Tensor<Double>(shape: b.logProbs.shape)
        if let klCotangent = cotangents["kl"] {
            g = g + (try c.tokenEstimator.estimatesBackward(b, klGradient: klCotangent))
        }
        if form == .loss, let lossCotangent = cotangents["loss"] {
            c = try lossConfiguration(inputs, c)
            try requireShape(lossCotangent, [], "loss cotangent")
            g = g + (try klPenaltyLossBackward(b, configuration: c, lossGradient: lossCotangent.elements[0]))
        }
        return ["log_probs": g]
    }
}
