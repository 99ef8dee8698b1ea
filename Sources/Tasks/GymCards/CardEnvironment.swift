import Tensor

/// What one environment step returns (Specs/GymCards.md GymCards-1, GymCards-2, GymCards-6).
public struct CardStep: Equatable, Sendable {
    /// The observation after the action (image and prompt).
    public var observation: Observation
    public var reward: Double
    /// The episode ended by the task's rules (target reached, formula evaluated, hand finished).
    public var terminated: Bool
    /// The episode was cut by a limit (NumberLine's step limit, a points formula grown too long).
    public var truncated: Bool

    public var isEpisodeOver: Bool { terminated || truncated }
}

/// The expert's choice in the current state: the legal action's index and the short templated
/// reasoning that goes into the `"thoughts"` field (Specs/GymCards.md "Expert policies").
public struct ExpertDecision: Equatable, Sendable {
    public var action: Int
    public var thoughts: String
}

/// One GymCards game: reset from a seeded generator, step with the index of a legal action, and an
/// expert for the current state. Every draw comes from the generator given to `reset`, so a seed
/// fixes the whole episode for a fixed action sequence.
public protocol CardEnvironment: Sendable {
    /// Which game this is.
    var task: GymCardsTask { get }
    /// The action strings in index order (the original's action space), e.g. `["-", "+"]`.
    var legalActions: [String] { get }
    /// True after a step that terminated or truncated the episode, until the next `reset`.
    var isEpisodeOver: Bool { get }
    /// Starts a new episode, drawing its randomness from `generator`, and returns the first observation.
    mutating func reset(generator: inout SeededGenerator) -> Observation
    /// Applies the action with index `action`.
    /// - Throws: `InputError.outOfRange` for an index outside `legalActions`, `InputError.invalidArgument`
    ///   when the episode is over (call `reset`).
    mutating func step(action: Int) throws -> CardStep
    /// The current observation (image and prompt).
    func observation() -> Observation
    /// The expert's action and thoughts in the current state.
    func expertDecision() -> ExpertDecision
}

extension CardEnvironment {
    /// Steps with an action given by its string (`"hit"`, `"10"`).
    /// - Throws: `InputError.invalidArgument` when `name` is not a legal action.
    public mutating func step(actionNamed name: String) throws -> CardStep {
        guard let index = legalActions.firstIndex(where: { $0.unicodeScalars.elementsEqual(name.unicodeScalars) }) else {
            throw InputError.invalidArgument(argument: "action", reason: "not one of \(legalActions)")
        }
        return try step(action: index)
    }

    /// Validates an action index and that an episode is running.
    func validate(action: Int, episodeOver: Bool) throws {
        guard !episodeOver else {
            throw InputError.invalidArgument(argument: "action", reason: "the episode is over; call reset first")
        }
        guard legalActions.indices.contains(action) else {
            throw InputError.outOfRange(argument: "action", value: Double(action), range: "[0, \(legalActions.count - 1)]")
        }
    }
}

/// The model's reply format (Specs/GymCards.md "Prompts"): `{"thoughts": "<thoughts>", "action": "<action>"}`,
/// which ActionParsing's paper mode reads back. Thoughts and actions never contain quotes or backslashes.
public func gymCardsAnswer(thoughts: String, action: String) -> String {
    "{\"thoughts\": \"\(thoughts)\", \"action\": \"\(action)\"}"
}

/// The reply of the no-chain-of-thought ablation: `{"action": "<action>"}`.
public func gymCardsAnswer(action: String) -> String {
    "{\"action\": \"\(action)\"}"
}
