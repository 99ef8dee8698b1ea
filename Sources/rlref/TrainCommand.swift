import ArgumentParser
import Foundation
import Tensor
import Training

/// `rlref train RECIPE`: runs a training recipe into a run folder (README, "Training").
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Run a training recipe: progress, metrics (JSON lines), PNG plots, samples and checkpoints in a run folder.",
        discussion: """
            Every setting has an embedded default; `rlref train RECIPE --help-settings` lists them and `--set key=value` \
            changes one. Ctrl-C finishes the current step, writes a checkpoint and exits; `--resume FOLDER` continues.
            """)

    @Argument(help: "The recipe (see --list).")
    var recipe: String?

    @Flag(name: .long, help: "List the recipes with a one-line description.")
    var list = false

    @Flag(name: .long, help: "List the recipe's settings with their defaults.")
    var helpSettings = false

    @Option(name: .long, help: "Training steps (default: the recipe's).")
    var steps: Int?

    @Option(name: .long, help: "Seed of initialisation, data and sampling.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "New run folder (default: runs/RECIPE-seedS, or runs/RECIPE-seedS-2, -3, … when it exists).")
    var out: String?

    @Option(name: .long, help: "Continue the run in this folder from its newest checkpoint.")
    var resume: String?

    @Option(name: .customLong("set"), help: "Change a setting: key=value (repeatable).")
    var overrides: [String] = []

    func run() throws {
        if list {
            let width = TrainingRecipes.all.map { $0.name.count }.max() ?? 0
            for r in TrainingRecipes.all {
                print(r.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + r.summary)
            }
            return
        }
        guard let name = recipe else { throw CLIError("give a recipe (rlref train --list shows them)") }
        guard let type = TrainingRecipes.named(name) else {
            throw CLIError("unknown recipe \(name.sanitizedForMessage()); recipes: \(TrainingRecipes.all.map { $0.name }.joined(separator: ", "))")
        }
        if helpSettings {
            for s in type.settingsTable {
                print("\(s.key)=\(s.defaultValue)  (\(s.kind.summary))  \(s.help)")
            }
            return
        }
        let request = TrainingRunRequest(steps: steps, seed: seed, out: resume == nil ? (out ?? freshFolder("runs/\(name)-seed\(seed)")) : out,
                                         resume: resume, overrides: overrides)
        try runTraining(type, request: request)
    }
}

/// `base`, or the first of `base-2`, `base-3`, … that does not exist yet (so that running a command
/// again starts a new default run folder instead of refusing the old one).
func freshFolder(_ base: String) -> String {
    guard FileManager.default.fileExists(atPath: base) else { return base }
    return (2...).lazy.map { "\(base)-\($0)" }.first { !FileManager.default.fileExists(atPath: $0) }!
}

/// Runs `recipe` and turns its typed errors into one-line messages; exit code 130 after Ctrl-C.
func runTraining(_ recipe: any TrainingRecipe.Type, request: TrainingRunRequest) throws {
    let summary: TrainingRunSummary
    do {
        summary = try recipe.train(request)
    } catch let error as InputError {
        throw CLIError("\(error)")
    }
    if summary.interrupted { throw ExitCode(130) }
}
