import Foundation
import Tensor

/// Runs other recipes depend on — a task's warm start, the CLIP reward model — found by path or, for
/// `auto`, in a shared run folder that is trained first (with the recipe's defaults, seed 0) when it
/// is missing or unfinished, so that every recipe runs end to end from one command.
public enum SharedRuns {
    /// The newest checkpoint of the shared run of `recipe` in `folder`, training or finishing it first
    /// to `steps` (default: the recipe's).
    /// - Throws: the run's errors; `invalidArgument` (`argument`) when it was interrupted.
    static func latestCheckpoint(of recipe: any TrainingRecipe.Type, folder: String, steps: Int? = nil, overrides: [String],
                                 argument: String, log: (String) -> Void) throws -> String {
        let steps = steps ?? recipe.defaultSteps
        let done = (try? RunFolder.open(folder))?.savedCheckpoints().last
        if let done, done.step >= steps { return done.path }
        log(done == nil ? "training \(recipe.name) (\(steps) steps) into \(folder) first"
                        : "finishing \(recipe.name) in \(folder) (step \(done!.step) of \(steps))")
        let request = done == nil ? TrainingRunRequest(steps: steps, seed: 0, out: folder, overrides: overrides)
                                  : TrainingRunRequest(steps: steps, resume: folder)
        let summary = try recipe.train(request)
        guard !summary.interrupted, let last = try RunFolder.open(folder).savedCheckpoints().last else {
            throw InputError.invalidArgument(argument: argument, reason: "\(folder.sanitizedForMessage()) was interrupted; run the recipe again to finish it")
        }
        return last.path
    }

    /// `value` itself when it names a folder with `config.json`, else for `auto` the shared run.
    static func resolve(_ value: String, argument: String, shared: () throws -> String) throws -> String {
        guard value == "auto" else {
            guard FileManager.default.fileExists(atPath: (value as NSString).appendingPathComponent("config.json")) else {
                throw InputError.invalidArgument(argument: argument, reason: "\(value.sanitizedForMessage()) is not a model or checkpoint folder (no config.json)")
            }
            return value
        }
        return try shared()
    }
}

/// Where an RL recipe's warm start comes from (`--set warm_start=...`): a checkpoint or model folder,
/// or `auto` — the task's shared warm start in `runs/warm-starts/TASK` (the `sft` recipe).
public enum WarmStartResolution {
    public static let setting = RecipeSetting("warm_start", .text, default: "auto",
                                              "checkpoint or model folder to start from; auto = runs/warm-starts/TASK (trained first if missing)")

    /// `runs/warm-starts/TASK`, or `runs/warm-starts/TASK-nocot` for GymCards' action-only variant.
    public static func sharedFolder(task: String, chainOfThought: Bool = true) -> String {
        "runs/warm-starts/\(task)" + (chainOfThought ? "" : "-nocot")
    }

    /// Steps of `task`'s shared warm start: the `sft` default (1,000) except for the GymCards games (1,500),
    /// whose micro model only starts to read its cards between the two. At 1,000 steps the NumberLine warm
    /// start mostly moves one way (success about 0.47; chain-of-thought PPO from there settles on "always
    /// +") and the EZPoints one wins about half its games; at 1,500 they read the image but still err
    /// (about 0.85 and 0.93), as RL4VLM's SFT checkpoints do (README, "Results").
    public static func steps(task: String) -> Int {
        task.hasPrefix("gymcards-") ? 1_500 : SupervisedRecipe.defaultSteps
    }

    /// The model folder to load for `task` (`chainOfThought` false: the `sft --set cot=false` warm start).
    public static func resolve(_ value: String, task: String, chainOfThought: Bool = true, log: (String) -> Void) throws -> String {
        try SharedRuns.resolve(value, argument: "warm_start") {
            try SharedRuns.latestCheckpoint(of: SupervisedRecipe.self, folder: sharedFolder(task: task, chainOfThought: chainOfThought),
                                            steps: steps(task: task),
                                            overrides: ["task=\(task)"] + (chainOfThought ? [] : ["cot=false"]),
                                            argument: "warm_start", log: log)
        }
    }
}

/// Where a recipe's CLIP reward model comes from (`--set clip=...`): a CLIP folder, or `auto` — the
/// shared `clip` run in `runs/reward-models/clip`.
public enum CLIPResolution {
    public static let setting = RecipeSetting("clip", .text, default: "auto",
                                              "CLIP reward model folder; auto = runs/reward-models/clip (trained first if missing)")
    public static let sharedFolder = "runs/reward-models/clip"

    public static func load(_ value: String, log: (String) -> Void) throws -> CLIPRewardModel {
        let folder = try SharedRuns.resolve(value, argument: "clip") {
            try SharedRuns.latestCheckpoint(of: CLIPRecipe.self, folder: sharedFolder, overrides: [], argument: "clip", log: log)
        }
        return try CLIPRewardModel(folder: folder)
    }
}
