import Tasks
import Tensor

/// Every task the recipes and `rlref render` / `evaluate` / `sft` know, by name.
public enum PolicyTasks {
    public static let names: [String] = ShapesTask.allCases.map(\.rawValue) + GymCardsTask.allCases.map(\.commandName)

    /// The task named `name`; `captionFraction` mixes detailed captions into shapes VQA's warm start.
    /// - Throws: `invalidArgument` naming `task` for an unknown name, with the valid ones.
    public static func make(_ name: String, captionFraction: Double = 0) throws -> any PolicyTask {
        if let shapes = ShapesTask(rawValue: name) { return ShapesPolicyTask(shapes, captionFraction: captionFraction) }
        if name.hasPrefix("gymcards-"), let game = GymCardsTask(commandName: name) { return GymCardsPolicyTask(game) }
        throw InputError.invalidArgument(argument: "task", reason: "unknown task \(name.sanitizedForMessage()); tasks: \(names.joined(separator: ", "))")
    }
}
