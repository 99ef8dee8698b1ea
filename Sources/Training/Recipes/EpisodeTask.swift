import Tasks
import Tensor

/// What one environment step returns.
public struct EnvironmentStep: Sendable {
    public var observation: Observation
    public var reward: Double
    /// The episode ended by the rules (win, loss, bust …): no bootstrap.
    public var terminated: Bool
    /// The episode was cut at the step limit: bootstrap from the value of `observation`.
    public var truncated: Bool
    /// Whether the episode ended in success (meaningful when it ended).
    public var success: Bool

    public init(observation: Observation, reward: Double, terminated: Bool, truncated: Bool, success: Bool) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
        self.success = success
    }
}

/// A multi-step environment the chain-of-thought PPO recipe (seed 002) plays: a text action per step.
public protocol EpisodeEnvironment: Sendable {
    /// The action strings the prompt lists and action parsing matches.
    var legalActions: [String] { get }
    /// Starts an episode; its randomness comes from `generator`.
    mutating func reset(generator: inout SeededGenerator) -> Observation
    /// Applies a legal action (one of `legalActions`).
    mutating func step(action: String, generator: inout SeededGenerator) -> EnvironmentStep
}

/// A task played in episodes: fresh environments for rollouts and evaluation.
public protocol EpisodeTask: PolicyTask {
    func makeEnvironment() -> any EpisodeEnvironment
}
