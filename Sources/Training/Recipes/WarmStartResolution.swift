import Foundation
import Tensor

/// Where an RL recipe's warm start comes from (`--set warm_start=...`): a checkpoint or model folder
/// given by path, or `auto` — the task's shared warm start under `runs/warm-starts/TASK`, trained
/// first with the `sft` recipe's defaults (seed 0) when it is missing or unfinished, so that a
/// recipe runs end to end from one command.
public enum WarmStartResolution {
    /// The setting every RL recipe has.
    public static let setting = RecipeSetting("warm_start", .text, default: "auto",
                                              "checkpoint or model folder to start from; auto = runs/warm-starts/TASK (trained first if missing)")

    /// The folder of the shared warm start of `task`.
    public static func sharedFolder(task: String) -> String { "runs/warm-starts/\(task)" }

    /// The model folder to load: `value` itself, or for `auto` the newest checkpoint of the shared
    /// warm start, training or finishing it first (progress through `log`).
    /// - Throws: `invalidArgument` (`warm_start`) for a folder without `config.json`; the sft run's errors.
    public static func resolve(_ value: String, task: String, log: (String) -> Void) throws -> String {
        guard value == "auto" else {
            guard FileManager.default.fileExists(atPath: (value as NSString).appendingPathComponent("config.json")) else {
                throw InputError.invalidArgument(argument: "warm_start", reason: "\(value.sanitizedForMessage()) is not a model or checkpoint folder (no config.json)")
            }
            return value
        }
        let folder = sharedFolder(task: task)
        let steps = SupervisedRecipe.defaultSteps
        let done = (try? RunFolder.open(folder))?.savedCheckpoints().last
        if let done, done.step >= steps { return done.path }
        log(done == nil ? "training the warm start of \(task) (\(steps) steps) into \(folder)"
                        : "finishing the warm start of \(task) in \(folder) (step \(done!.step) of \(steps))")
        let request = done == nil ? TrainingRunRequest(steps: steps, seed: 0, out: folder, overrides: ["task=\(task)"])
                                  : TrainingRunRequest(steps: steps, resume: folder)
        let summary = try SupervisedRecipe.train(request)
        guard !summary.interrupted, let last = try RunFolder.open(folder).savedCheckpoints().last else {
            throw InputError.invalidArgument(argument: "warm_start", reason: "the warm start of \(task) was interrupted; run the recipe again to finish it")
        }
        return last.path
    }
}
