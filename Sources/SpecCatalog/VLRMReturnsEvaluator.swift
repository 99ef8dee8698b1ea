import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/VLRMReturns.md (input and output keys: the Spec's "Golden inputs and
/// outputs" section).
public struct VLRMReturnsEvaluator: SpecEvaluator {
    public let spec = "VLRMReturns"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with.
    public var presets: [PresetDescription] { PresetProvenance.describe(VLRMReturnsConfiguration.presets, [:]) }

    /// Everything a case describes, parsed in the Spec's error order: missing inputs, the ref / ref
    /// log-probs choice, string conventions and `year_range`, then the caption itself.
    private struct Problem<T: Scalar> {
        var caption: VLRMCaption
        var sim: T
        var ref: VLRMReferenceScore<T>
        var rules: VLRMPenaltyRules
        var configuration: VLRMReturnsConfiguration
    }

    private func problem<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Problem<T> {
        for key in ["words", "token_word_index", "sim", "ends_with_eos"] where !inputs.contains(key) {
            throw InputError.missingInput(argument: key)
        }
        switch (inputs.contains("ref"), inputs.contains("ref_logprobs")) {
        case (true, true):
            throw InputError.invalidArgument(argument: "ref_logprobs", reason: "give either ref or ref_logprobs, not both")
        case (false, false):
            throw InputError.missingInput(argument: "ref")
        default: break
        }
        var c = try inputs.preset(VLRMReturnsConfiguration.presets, default: .paper)
        c.terminalDiscount = try inputs.convention("terminal_discount", default: c.terminalDiscount)
        if let g = try inputs.number("gamma") { c.gamma = g }
        if let w = try inputs.number("sim_weight") { c.simWeight = w }
        if let w = try inputs.number("ref_weight") { c.refWeight = w }
        if let w = try inputs.number("bad_weight") { c.badWeight = w }
        if let w = try inputs.number("repeat_weight") { c.repeatWeight = w }
        if let v = try inputs.number("noeos_value") { c.noEOSValue = v }

        var rules = try VLRMPenaltyRules.paper()
        if let range = try inputs.integers("year_range") {
            guard range.count == 2, range[0] <= range[1] else {
                throw InputError.invalidArgument(argument: "year_range", reason: "expected [lo, hi] with lo <= hi, got \(range)")
            }
            rules.yearRange = range[0]...range[1]
        }
        if let years = try inputs.bool("penalize_years") { rules.penalizesYears = years }
        if let phrases = try inputs.strings("bad_phrases") { rules.badPhrases = BadPhraseList(phrases) }
        if let exempt = try inputs.strings("repeat_exempt_words") {
            rules.repeatExemptWords = Set(exempt.map(NormalizedWord.init))
        }

        let caption = try VLRMCaption(words: inputs.strings("words") ?? [],
                                      tokenWordIndex: inputs.integers("token_word_index") ?? [],
                                      endsWithEOS: inputs.bool("ends_with_eos") ?? true)
        func scalar(_ key: String) throws -> T {
            guard let value = try inputs.number(key) else { throw InputError.missingInput(argument: key) }
            return T(value)
        }
        let ref: VLRMReferenceScore<T> = if let logProbs: Tensor<T> = try inputs.optionalTensor("ref_logprobs") {
            .tokenLogProbabilities(logProbs)
        } else {
            .mean(try scalar("ref"))
        }
        return Problem(caption: caption, sim: try scalar("sim"), ref: ref, rules: rules, configuration: c)
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        let p = try problem(inputs, as: T.self)
        let r = try vlrmReturns(p.caption, sim: p.sim, ref: p.ref, rules: p.rules, configuration: p.configuration)
        return ["bad": OutputValue(r.bad), "repeat": OutputValue(r.repeated), "noeos": OutputValue(r.noEOS),
                "returns": OutputValue(r.returns)]
    }

    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let p = try problem(inputs, as: Double.self)
        let cotangent = cotangents["returns"] ?? Tensor(shape: [p.caption.tokenCount])
        let g = try vlrmReturnsBackward(p.caption, ref: p.ref, configuration: p.configuration, returnsGradient: cotangent)
        var out = ["sim": Tensor(scalar: g.sim)]
        if let logProbs = g.refLogProbs { out["ref_logprobs"] = logProbs } else { out["ref"] = Tensor(scalar: g.ref) }
        return out
    }
}
