import Tasks
import Tensor
import Verification

/// Golden-file binding of Specs/GymCards.md. `form` `episode` (the default) replays `actions` from a
/// scripted state — `task` `numberline` (`start`, `target`, optional `max_position`), `ezpoints` /
/// `points24` (`cards`, `evaluation`), `blackjack` (`dealer`, `player`, `upcoming`, `natural`, `sab`,
/// `natural_rule`) — and returns `rewards`, `terminated`, `truncated` (GymCards-1, GymCards-2,
/// GymCards-5, GymCards-6). `form` `formula` evaluates `tokens` (action spellings, `" "` for a blank)
/// in `evaluation` mode against `target` and returns `kind`, `numerator`, `denominator`, `value`,
/// `failure`, `accepted` (GymCards-3, GymCards-4). No gradients.
public struct GymCardsEvaluator: SpecEvaluator {
    public let spec = "GymCards"
    public init() {}

    /// The `form` values `evaluate` dispatches on (`rlref describe`).
    public var forms: [String] { Form.allCases.map(\.rawValue) }

    private enum Form: String, CaseIterable {
        case episode, formula
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        switch try inputs.convention("form", default: Form.episode) {
        case .episode: try episode(inputs)
        case .formula: try formula(inputs)
        }
    }

    private func formula(_ inputs: GoldenInputs) throws -> Outputs {
        guard let spelled = try inputs.strings("tokens") else { throw InputError.missingInput(argument: "tokens") }
        let tokens = try spelled.map { text -> FormulaToken in
            if text == " " { return .blank }
            guard let token = FormulaToken(action: text) else {
                throw InputError.invalidArgument(argument: "tokens", reason: "unknown symbol \(text.sanitizedForMessage())")
            }
            return token
        }
        let mode = try inputs.convention("evaluation", default: FormulaEvaluationMode.exact)
        let target = try inputs.integer("target") ?? 24
        let value = evaluateFormula(tokens, mode: mode)
        var outputs: Outputs = [
            "kind": .json(.string("failure")), "numerator": .json(.null), "denominator": .json(.null),
            "value": .json(.null), "failure": .json(.null), "accepted": .json(.bool(value.equals(target))),
        ]
        switch value {
        case .rational(let r):
            outputs["kind"] = .json(.string("rational"))
            outputs["numerator"] = .json(.number(Double(r.numerator)))
            outputs["denominator"] = .json(.number(Double(r.denominator)))
            outputs["value"] = .json(.number(Double(r.numerator) / Double(r.denominator)))
        case .integer(let i):
            outputs["kind"] = .json(.string("integer"))
            outputs["value"] = .json(.number(Double(i)))
        case .float(let f):
            outputs["kind"] = .json(.string("float"))
            outputs["value"] = .json(.number(f))
        case .failure(let failure):
            outputs["failure"] = .json(.string(failure.rawValue))
        }
        return outputs
    }

    private func cards(_ inputs: GoldenInputs, _ key: String) throws -> [PlayingCard] {
        try (inputs.strings(key) ?? []).map { text in
            let scalars = Array(text.unicodeScalars)
            guard let suitScalar = scalars.last, let suit = Suit(rawValue: String(suitScalar)) else {
                throw InputError.invalidArgument(argument: key, reason: "bad card \(text.sanitizedForMessage())")
            }
            let rankText = String(String.UnicodeScalarView(scalars.dropLast()))
            let rank = ["A": 1, "J": 11, "Q": 12, "K": 13][rankText] ?? Int(rankText) ?? 0
            return try PlayingCard(rank: rank, suit: suit)
        }
    }

    private func episode(_ inputs: GoldenInputs) throws -> Outputs {
        guard let taskName = try inputs.string("task") else { throw InputError.missingInput(argument: "task") }
        guard let actions = try inputs.integers("actions") else { throw InputError.missingInput(argument: "actions") }
        var environment: any CardEnvironment
        switch GymCardsTask(rawValue: taskName) {
        case .numberLine?:
            var e = try NumberLineEnvironment(maxPosition: inputs.integer("max_position") ?? 5)
            guard let start = try inputs.integer("start"), let target = try inputs.integer("target") else {
                throw InputError.missingInput(argument: "start")
            }
            try e.reset(current: start, target: target)
            environment = e
        case .ezPoints?, .points24?:
            var rules: PointsRules = taskName == "ezpoints" ? .ezPoints : .points24
            rules.evaluation = try inputs.convention("evaluation", default: FormulaEvaluationMode.exact)
            var e = PointsEnvironment(rules: rules)
            try e.reset(cards: cards(inputs, "cards"))
            environment = e
        case .blackjack?:
            var e = BlackjackEnvironment()
            e.naturalPays1point5 = try inputs.bool("natural") ?? false
            e.suttonBarto = try inputs.bool("sab") ?? false
            e.naturalRule = try inputs.convention("natural_rule", default: BlackjackNaturalRule.gymnasium)
            try e.reset(dealer: cards(inputs, "dealer"), player: cards(inputs, "player"),
                        upcoming: cards(inputs, "upcoming"))
            environment = e
        case nil:
            throw InputError.invalidArgument(argument: "task", reason: "unknown task \(taskName.sanitizedForMessage())")
        }
        var rewards: [Double] = [], terminated: [JSONValue] = [], truncated: [JSONValue] = []
        for action in actions where !environment.isEpisodeOver {
            let step = try environment.step(action: action)
            rewards.append(step.reward)
            terminated.append(.bool(step.terminated))
            truncated.append(.bool(step.truncated))
        }
        return ["rewards": .numbers(Tensor(rewards)), "terminated": .json(.array(terminated)),
                "truncated": .json(.array(truncated))]
    }
}
