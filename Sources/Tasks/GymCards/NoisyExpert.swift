import Tensor

/// The warm-start teacher (Specs/GymCards.md "Expert policies"): the expert's decision, except that
/// with probability `noise` the action is replaced by a uniformly drawn legal action (possibly the
/// same). The thoughts are always the expert's, so the reply reads the state correctly and only the
/// action is noisy.
public struct NoisyExpert: Sendable {
    public let noise: Double

    /// - Throws: `InputError.outOfRange` unless `noise` is in [0, 1].
    public init(noise: Double) throws {
        guard noise >= 0, noise <= 1 else {
            throw InputError.outOfRange(argument: "noise", value: noise, range: "[0, 1]")
        }
        self.noise = noise
    }

    /// The action index and the reply text `{"thoughts": …, "action": …}` for `environment`'s current
    /// state. Draws one uniform from `generator` every call, and a legal action index when noisy.
    public func act(on environment: some CardEnvironment, generator: inout SeededGenerator) -> (action: Int, reply: String) {
        let decision = environment.expertDecision()
        var action = decision.action
        if generator.nextUniform() < noise {
            action = generator.nextInt(below: environment.legalActions.count)
        }
        return (action, gymCardsAnswer(thoughts: decision.thoughts, action: environment.legalActions[action]))
    }
}

/// One step of a teacher episode: what the policy saw, the reply it is taught, and the outcome.
public struct TeacherStep: Equatable, Sendable {
    public var observation: Observation
    public var reply: String
    public var action: Int
    public var reward: Double
    public var terminated: Bool
    public var truncated: Bool
}

/// Plays one episode of `environment` with `teacher` from a fresh `reset`, for at most `maxSteps`
/// steps (every GymCards episode ends on its own well before 64 steps). `generator` supplies both the
/// deal and the teacher's noise.
public func playTeacherEpisode(_ environment: inout some CardEnvironment, teacher: NoisyExpert,
                               generator: inout SeededGenerator, maxSteps: Int = 64) -> [TeacherStep] {
    var observation = environment.reset(generator: &generator)
    var steps: [TeacherStep] = []
    while !environment.isEpisodeOver && steps.count < maxSteps {
        let (action, reply) = teacher.act(on: environment, generator: &generator)
        // The index comes from `legalActions` and the episode is running, so `step` cannot fail.
        guard let result = try? environment.step(action: action) else { break }
        steps.append(TeacherStep(observation: observation, reply: reply, action: action, reward: result.reward,
                                 terminated: result.terminated, truncated: result.truncated))
        observation = result.observation
    }
    return steps
}
