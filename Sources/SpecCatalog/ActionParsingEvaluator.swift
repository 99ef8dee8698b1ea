import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/ActionParsing.md: inputs `text` (string or null), `legal_actions`,
/// `preset`, `mode`, `case_sensitive`, `quotes`, `multiple_matches`, `ten_rule`; outputs `action`,
/// `index`, `parsed`, `fallback`, `candidates`, `matched`. The fallback draw (ActionParsing-3) is
/// not part of the outputs. No gradients.
public struct ActionParsingEvaluator: SpecEvaluator {
    public let spec = "ActionParsing"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with, and what each reproduces.
    public var presets: [PresetDescription] { PresetProvenance.describe(ActionParsingConfiguration.presets, [
        "paper": PresetProvenance.seed, "rl4vlm": "RL4VLM b989b57, rl_utils.py text_projection",
    ]) }

    /// Errors in the Spec's order: missing keys, ill-typed `text` / `legal_actions`, an empty or
    /// invalid legal list, unknown conventions, then legal actions colliding under case folding.
    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        for key in ["text", "legal_actions"] where inputs.object[key] == nil { throw InputError.missingInput(argument: key) }
        let text = try inputs.requiredNullableString("text")
        guard inputs.contains("legal_actions"), let list = try inputs.strings("legal_actions") else {
            throw InputError.invalidArgument(argument: "legal_actions", reason: "expected an array of strings, got null")
        }
        let legal = try LegalActions(list)
        var c = try inputs.preset(ActionParsingConfiguration.presets, default: .paper)
        c.mode = try inputs.convention("mode", default: c.mode)
        if let s = try inputs.bool("case_sensitive") { c.caseSensitive = s }
        c.quotes = try inputs.convention("quotes", default: c.quotes)
        c.multipleMatches = try inputs.convention("multiple_matches", default: c.multipleMatches)
        c.tenRule = try inputs.convention("ten_rule", default: c.tenRule)
        let parse = try parseAction(text, legalActions: legal, configuration: c)
        return [
            "action": .json(JSONValue(nullable: parse.action)),
            "index": .json(parse.index.map { .number(Double($0)) } ?? .null),
            "parsed": .json(.bool(parse.parsed)),
            "fallback": .json(.bool(parse.fallback)),
            "candidates": .json(JSONValue(strings: parse.candidates)),
            "matched": .json(JSONValue(strings: parse.matched)),
        ]
    }
}
