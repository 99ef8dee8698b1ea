import RLAlgorithms
import Tasks
import Tensor

/// A GymCards game (Specs/GymCards.md) as one episode of the chain-of-thought PPO recipe sees it: the
/// card environment plus its running return, so that the end of an episode reports success the way
/// RL4VLM counts it (episode return > 0).
struct GymCardsEpisode: EpisodeEnvironment {
    var environment: any CardEnvironment
    /// Whether prompts ask for thoughts and action (false: the action alone).
    var chainOfThought = true
    var episodeReturn = 0.0

    var legalActions: [String] { environment.legalActions }

    /// `observation` as the policy sees it: with the action-only prompt unless `chainOfThought`.
    static func shown(_ observation: Observation, chainOfThought: Bool) -> Observation {
        chainOfThought ? observation : Observation(image: observation.image, prompt: GymCardsPrompts.actionOnly(observation.prompt))
    }

    func shown(_ observation: Observation) -> Observation { Self.shown(observation, chainOfThought: chainOfThought) }

    mutating func reset(generator: inout SeededGenerator) -> Observation {
        episodeReturn = 0
        return shown(environment.reset(generator: &generator))
    }

    mutating func step(action: String, generator: inout SeededGenerator) -> EnvironmentStep {
        // The trainer passes one of `legalActions` (parsed or drawn by the fallback) while the episode runs.
        let result = try! environment.step(actionNamed: action)
        episodeReturn += result.reward
        return EnvironmentStep(observation: shown(result.observation), reward: result.reward, terminated: result.terminated,
                               truncated: result.truncated, success: result.isEpisodeOver && episodeReturn > 0)
    }
}

/// The four GymCards games (seed 002) for the recipes: noisy-expert demonstrations for the warm start,
/// episodes for RL and evaluation (success rate, mean return, how often the reply did not parse).
public struct GymCardsPolicyTask: EpisodeTask {
    public let game: GymCardsTask
    /// Probability that a warm-start demonstration takes a random legal action (the thoughts stay the expert's).
    public let expertNoise: Double
    /// How replies become actions (the paper's rule; unparsable replies draw a random legal action).
    public let parsing: ActionParsingConfiguration
    /// Whether prompts ask for `{"thoughts": …, "action": …}` (true) or `{"action": …}` alone (seed
    /// 002's no-chain-of-thought ablation; demonstrations then carry the action only).
    public let chainOfThought: Bool

    /// - Precondition: `expertNoise` lies in [0, 1].
    public init(_ game: GymCardsTask, expertNoise: Double = 0.2, parsing: ActionParsingConfiguration = .paper,
                chainOfThought: Bool = true) {
        precondition((0...1).contains(expertNoise), "expertNoise must lie in [0, 1]")
        self.game = game
        self.expertNoise = expertNoise
        self.parsing = parsing
        self.chainOfThought = chainOfThought
    }

    func episode() -> GymCardsEpisode { GymCardsEpisode(environment: game.makeEnvironment(), chainOfThought: chainOfThought) }

    public var name: String { game.commandName }
    public var corpus: [String] { GymCardsPrompts.corpus }
    public var imageSize: Int { GymCardsPrompts.imageSize }

    public func makeEnvironment() -> any EpisodeEnvironment { episode() }

    /// Steps of whole noisy-expert episodes until `count` are collected.
    public func demonstrations(count: Int, generator: inout SeededGenerator) -> [(observation: Observation, response: String)] {
        // `expertNoise` lies in [0, 1] (init), the only error NoisyExpert reports.
        let teacher = try! NoisyExpert(noise: expertNoise)
        var steps: [(observation: Observation, response: String)] = []
        while steps.count < count {
            var environment = game.makeEnvironment()
            let played = playTeacherEpisode(&environment, teacher: teacher, generator: &generator)
            let legal = environment.legalActions
            steps += played.map { step in
                chainOfThought ? (step.observation, step.reply)
                               : (GymCardsEpisode.shown(step.observation, chainOfThought: false), gymCardsAnswer(action: legal[step.action]))
            }
        }
        return Array(steps.prefix(count))
    }

    /// First observations of `count` episodes with the expert's reply.
    public func showcase(split: DataSplit, count: Int, seed: UInt64) -> [(observation: Observation, answer: String)] {
        var generator = SeededGenerator(seed: seed &+ split.streamOffset)
        return (0..<count).map { _ in
            var environment = game.makeEnvironment()
            let observation = GymCardsEpisode.shown(environment.reset(generator: &generator), chainOfThought: chainOfThought)
            let decision = environment.expertDecision(), action = environment.legalActions[decision.action]
            return (observation, chainOfThought ? gymCardsAnswer(thoughts: decision.thoughts, action: action) : gymCardsAnswer(action: action))
        }
    }

    /// Plays `count` episodes of `split` with `policy` (all at once, one reply per running episode
    /// per step): success rate (return > 0), mean return, mean length, and the fraction of replies
    /// that did not parse (a random legal action was played instead).
    public func evaluate(split: DataSplit, count: Int, seed: UInt64,
                         policy: ([Observation]) throws -> [String]) throws -> [(name: String, value: Double)] {
        var generator = SeededGenerator(seed: seed &+ split.streamOffset)
        var episodes = (0..<count).map { _ in episode() }
        var observations = episodes.indices.map { episodes[$0].reset(generator: &generator) }
        var running = Array(episodes.indices)
        var lengths = Array(repeating: 0, count: count)
        var successes = 0, replies = 0, fallbacks = 0
        while !running.isEmpty {
            var texts: [String] = []
            for start in stride(from: 0, to: running.count, by: 32) {
                texts += try policy(running[start..<min(running.count, start + 32)].map { observations[$0] })
            }
            var still: [Int] = []
            for (e, text) in zip(running, texts) {
                let parse = try parseAction(text, legalActions: LegalActions(episodes[e].legalActions), configuration: parsing)
                replies += 1
                if parse.fallback { fallbacks += 1 }
                let outcome = episodes[e].step(action: parse.chosenAction(using: &generator).action, generator: &generator)
                lengths[e] += 1
                if outcome.terminated || outcome.truncated {
                    if outcome.success { successes += 1 }
                } else {
                    observations[e] = outcome.observation
                    still.append(e)
                }
            }
            running = still
        }
        let n = Double(count)
        return [("success_rate", Double(successes) / n), ("episode_return", episodes.map(\.episodeReturn).reduce(0, +) / n),
                ("episode_length", Double(lengths.reduce(0, +)) / n), ("fallback_rate", Double(fallbacks) / Double(max(1, replies)))]
    }
}
