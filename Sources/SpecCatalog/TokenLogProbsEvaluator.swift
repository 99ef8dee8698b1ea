import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/TokenLogProbs.md: inputs `logits`, `tokens`, `mask`, `temperature`
/// (a number or [B]), `temperature_epsilon`, `preset`, `form`; outputs `log_probs` and `entropy` (default form)
/// or `entropy` and `entropy_mean` (`"form": "entropy"`, no `tokens`); gradients with respect to `logits`.
public struct TokenLogProbsEvaluator: SpecEvaluator {
    public let spec = "TokenLogProbs"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with, and what each reproduces.
    public var presets: [PresetDescription] { PresetProvenance.describe(TokenLogProbsConfiguration.presets, PresetProvenance.ppo) }

    /// The `form` values `evaluate` dispatches on (`rlref describe`).
    public var forms: [String] { Form.allCases.map(\.rawValue) }

    /// The values of `form`: `log_probs` (the default) and `entropy` (no `tokens`).
    enum Form: String, CaseIterable { case logProbs = "log_probs", entropy }

    private struct Problem<T: Scalar> {
        var logits: Tensor<T>
        /// nil in the entropy form.
        var tokens: TokenIDs?
        var mask: Tensor<T>?
        var temperature: SamplingTemperature
        var configuration: TokenLogProbsConfiguration
    }

    /// Parses in the Spec's error order: missing inputs, preset and form, empty arrays, shapes, non-integral
    /// token ids; the library checks the rest. The entropy form reads no `tokens`.
    private func problem<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Problem<T> {
        let entropyForm = (try? inputs.string("form")) == "entropy"   // an invalid form is reported after the preset
        for key in entropyForm ? ["logits"] : ["logits", "tokens"] where !inputs.contains(key) {
            throw InputError.missingInput(argument: key)
        }
        var c = try inputs.preset(TokenLogProbsConfiguration.presets, default: .paper)
        _ = try inputs.convention("form", default: Form.logProbs)
        if let e = try inputs.number("temperature_epsilon") { c.temperatureEpsilon = e }
        let logits: Tensor<T> = try inputs.tensor("logits")
        let tokens: Tensor<Double>? = entropyForm ? nil : try inputs.tensor("tokens")   // ids stay exact whatever T is
        guard logits.count > 0, tokens.map({ $0.count > 0 }) ?? true else {
            throw InputError.empty(argument: logits.count == 0 ? "logits" : "tokens", reason: "B, T and V must be at least 1")
        }
        guard logits.rank == 3 else {
            throw InputError.shapeMismatch(argument: "logits", expected: [-1, -1, -1], actual: logits.shape)
        }
        let rows = logits.shape[0]
        if let tokens { try requireShape(tokens, Array(logits.shape.prefix(2)), "tokens") }
        let mask: Tensor<T>? = try inputs.optionalTensor("mask")
        if let mask { try requireShape(mask, Array(logits.shape.prefix(2)), "mask") }
        var temperature = SamplingTemperature.shared(1)
        if let tau: Tensor<Double> = try inputs.optionalTensor("temperature") {
            switch tau.shape {
            case []: temperature = .shared(tau.elements[0])
            case [rows]: temperature = .perSequence(tau.elements)
            default: throw InputError.shapeMismatch(argument: "temperature", expected: [rows], actual: tau.shape)
            }
        }
        return Problem(logits: logits, tokens: try tokens.map { try TokenIDs($0) }, mask: mask, temperature: temperature,
                       configuration: c)
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        let p = try problem(inputs, as: T.self)
        guard let tokens = p.tokens else {
            let r = try tokenEntropies(logits: p.logits, mask: p.mask, temperature: p.temperature, configuration: p.configuration)
            return ["entropy": OutputValue(r.entropy), "entropy_mean": OutputValue(r.mean)]
        }
        let r = try tokenLogProbs(logits: p.logits, tokens: tokens, mask: p.mask, temperature: p.temperature,
                                  configuration: p.configuration)
        return ["log_probs": OutputValue(r.logProbs), "entropy": OutputValue(r.entropy)]
    }

    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let p = try problem(inputs, as: Double.self)
        guard let tokens = p.tokens else {
            return ["logits": try tokenEntropiesBackward(
                logits: p.logits, mask: p.mask, temperature: p.temperature, configuration: p.configuration,
                entropyGradient: cotangents["entropy"], meanGradient: scalarCotangent(cotangents, "entropy_mean"))]
        }
        let g = try tokenLogProbsBackward(logits: p.logits, tokens: tokens, mask: p.mask, temperature: p.temperature,
                                          configuration: p.configuration, logProbsGradient: cotangents["log_probs"],
                                          entropyGradient: cotangents["entropy"])
        return ["logits": g]
    }
}
