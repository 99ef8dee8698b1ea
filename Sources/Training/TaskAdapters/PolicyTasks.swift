import Tasks
import Tensor

/// Every task the recipes and `rlref render` / `evaluate` / `sft` know, by name.
public enum PolicyTasks {
    public static let names: [String] = ShapesTask.allCases.map(\.rawValue)

    /// The task named `name`.
    /// - Throws: `invalidArgument` naming `task` for an unknown name, with the valid ones.
    public static func make(_ name: String) throws -> any PolicyTask {
        if let shapes = ShapesTask(rawValue: name) { return ShapesPolicyTask(shapes) }
        throw InputError.invalidArgument(argument: "task", reason: "unknown task \(name.sanitizedForMessage()); tasks: \(names.joined(separator: ", "))")
    }
}
