import Tasks
import Tensor

/// Every task the recipes and `rlref render` / `evaluate` / `sft` know, by name.
public enum PolicyTasks {
    public static let names: [String] = ShapesTask.allCases.map(\.rawValue) + GymCardsTask.allCases.map(\.commandName)

    /// The task named `name`; `captionFraction` mixes detailed captions into shapes VQA's warm start;
    /// `chainOfThought` false makes GymCards prompts and demonstrations ask for the action alone.
    /// - Throws: `invalidArgument` naming `task` for an unknown name, with the valid ones.
    public static func make(_ name: String, captionFraction: Double = 0, chainOfThought: Bool = true) throws -> any PolicyTask {
        if let shapes = ShapesTask(rawValue: name) { return ShapesPolicyTask(shapes, captionFraction: captionFraction) }
        if name.hasPrefix("gymcards-"), let game = GymCardsTask(commandName: name) {
            return GymCardsPolicyTask(game, chainOfThought: chainOfThought)
        }
        throw InputError.invalidArgument(argument: "task", reason: "unknown task \(name.sanitizedForMessage()); tasks: \(names.joined(separator: ", "))")
    }
}
