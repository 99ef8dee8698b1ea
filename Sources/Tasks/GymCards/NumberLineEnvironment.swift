import Tensor

/// NumberLine: move the current number to the target by −1 / +1 on 0…`maxPosition`
/// (Specs/GymCards.md GymCards-1; original `gym_cards/envs/numberline.py`, `NumberLineEnv`).
public struct NumberLineEnvironment: CardEnvironment {
    public let task = GymCardsTask.numberLine
    /// Action 0 `-` moves left, 1 `+` moves right (RL4VLM's `text_projection` list).
    public let legalActions = ["-", "+"]
    /// The largest number on the line (the original's `max_position`, default 5).
    public let maxPosition: Int
    /// Steps after which an unfinished episode is truncated: `2·maxPosition`.
    public var stepLimit: Int { 2 * maxPosition }

    public private(set) var current = 0
    public private(set) var target = 1
    public private(set) var stepsTaken = 0
    public private(set) var isEpisodeOver = true

    /// The original's default line 0…5.
    public init() { maxPosition = 5 }

    /// - Throws: `InputError.outOfRange` unless `maxPosition` is in 2…99 (with 1 the start ≠ target rule
    ///   cannot hold; two-digit numbers still fit the image).
    public init(maxPosition: Int) throws {
        guard (2...99).contains(maxPosition) else {
            throw InputError.outOfRange(argument: "maxPosition", value: Double(maxPosition), range: "[2, 99]")
        }
        self.maxPosition = maxPosition
    }

    /// Specs/GymCards.md "Deals": start and target uniform on 0…max; if equal, target ← (target + 1) mod max.
    public mutating func reset(generator: inout SeededGenerator) -> Observation {
        let start = generator.nextInt(below: maxPosition + 1)
        var goal = generator.nextInt(below: maxPosition + 1)
        if start == goal { goal = (goal + 1) % maxPosition }
        return begin(current: start, target: goal)
    }

    /// Starts an episode from a given state (tests, golden replays).
    /// - Throws: `InputError.outOfRange` unless both numbers lie on the line `0…maxPosition`.
    @discardableResult
    public mutating func reset(current: Int, target: Int) throws -> Observation {
        for (name, value) in [("current", current), ("target", target)] where !(0...maxPosition).contains(value) {
            throw InputError.outOfRange(argument: name, value: Double(value), range: "[0, \(maxPosition)]")
        }
        return begin(current: current, target: target)
    }

    private mutating func begin(current: Int, target: Int) -> Observation {
        self.current = current
        self.target = target
        stepsTaken = 0
        isEpisodeOver = current == target
        return observation()
    }

    /// GymCards-1: move (clamped at 0 and max), reward +1 on reaching the target
    /// (terminated), −1 when the distance did not shrink, else 0; truncated after `stepLimit` steps.
    public mutating func step(action: Int) throws -> CardStep {
        try validate(action: action, episodeOver: isEpisodeOver)
        stepsTaken += 1
        let before = abs(current - target)
        if action == 0, current > 0 { current -= 1 }
        if action == 1, current < maxPosition { current += 1 }
        let after = abs(current - target)
        let terminated = after == 0
        let reward: Double = terminated ? 1 : (after >= before ? -1 : 0)
        let truncated = !terminated && stepsTaken >= stepLimit
        isEpisodeOver = terminated || truncated
        return CardStep(observation: observation(), reward: reward, terminated: terminated, truncated: truncated)
    }

    public func observation() -> Observation {
        Observation(image: render(), prompt: GymCardsPrompts.numberLine)
    }

    /// Moves toward the target (optimal: every step earns 0 until the last earns +1).
    public func expertDecision() -> ExpertDecision {
        let right = target > current
        return ExpertDecision(action: right ? 1 : 0,
                              thoughts: "current \(current) target \(target) so \(right ? "add" : "subtract") one")
    }

    /// 96×96, white: "Target:" and "Current:" at scale 2, each number below at scale 3.
    func render() -> Canvas {
        var canvas = Canvas(width: GymCardsPrompts.imageSize, height: GymCardsPrompts.imageSize, background: .white)
        _ = canvas.drawText("Target:", x: 6, y: 4, scale: 2)
        _ = canvas.drawText(String(target), x: 30, y: 22, scale: 3)
        _ = canvas.drawText("Current:", x: 2, y: 50, scale: 2)
        _ = canvas.drawText(String(current), x: 30, y: 68, scale: 3)
        return canvas
    }
}
