import ArgumentParser
import Foundation
import Tasks
import Tensor
import Training
import Verification

/// `rlref render TASK`: example observations as PNG files with their prompts and answers.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "Write example observations of a task as PNG files, with prompts and answers in examples.jsonl.")

    @Argument(help: "The task (rlref render --list shows them).")
    var task: String?

    @Flag(name: .long, help: "List the tasks.")
    var list = false

    @Option(name: .long, help: "How many examples.")
    var count = 8

    @Option(name: .long, help: "Output folder (created).")
    var out: String?

    @Option(name: .long, help: "Split: train, validation or test.")
    var split = "validation"

    @Option(name: .long, help: "Seed of the examples.")
    var seed: UInt64 = 0

    func run() throws {
        if list { PolicyTasks.names.forEach { print($0) }; return }
        guard let name = task else { throw CLIError("give a task (rlref render --list shows them)") }
        guard let split = DataSplit(rawValue: split) else { throw CLIError("--split: use train, validation or test") }
        guard (1...10_000).contains(count) else { throw CLIError("--count: must be in 1…10000") }
        let folder = out ?? "renders/\(name)"
        do {
            let task = try PolicyTasks.make(name)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var lines = ""
            for (k, item) in task.showcase(split: split, count: count, seed: seed).enumerated() {
                let image = String(format: "%@-%03d.png", name, k)
                try item.observation.image.image.write(to: (folder as NSString).appendingPathComponent(image))
                lines += JSONValue.object(JSONObject([("image", .string(image)), ("prompt", .string(item.observation.prompt)),
                                                      ("answer", .string(item.answer))])).serialized() + "\n"
            }
            try AtomicFile.write(Data(lines.utf8), to: (folder as NSString).appendingPathComponent("examples.jsonl"))
            print("wrote \(count) examples of \(name) to \(folder)")
        } catch let error as InputError {
            throw CLIError("\(error)")
        } catch let error as PNGError {
            throw CLIError("\(error)")
        } catch let error as CocoaError {
            throw CLIError("\(folder.sanitizedForMessage()): \(error.localizedDescription)")
        }
    }
}

/// `rlref sft TASK`: the supervised warm start of a task (the `sft` recipe).
struct SFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft", abstract: "Train the supervised warm start of a task (rlref train sft --set task=TASK).")

    @Argument(help: "The task.")
    var task: String

    @Option(name: .long, help: "Training steps (default: the recipe's).")
    var steps: Int?

    @Option(name: .long, help: "Seed.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "New run folder (default: runs/sft-TASK-seedS, or -2, -3, … when it exists).")
    var out: String?

    @Option(name: .long, help: "Continue the run in this folder.")
    var resume: String?

    @Option(name: .customLong("set"), help: "Change another sft setting: key=value (repeatable).")
    var overrides: [String] = []

    func run() throws {
        let request = TrainingRunRequest(steps: steps, seed: seed, out: resume == nil ? (out ?? freshFolder("runs/sft-\(task)-seed\(seed)")) : out,
                                         resume: resume, overrides: resume == nil ? ["task=\(task)"] + overrides : overrides)
        try runTraining(SupervisedRecipe.self, request: request)
    }
}

/// `rlref evaluate CHECKPOINT --task T`: a saved policy's metrics on a task.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Evaluate a checkpoint or model folder on a task (greedy responses); prints and writes the metrics.")

    @Argument(help: "A checkpoint folder (runs/.../checkpoints/step-N) or a model folder with tokenizer.json.")
    var checkpoint: String

    @Option(name: .long, help: "The task.")
    var task: String

    @Option(name: .long, help: "Split: validation or test.")
    var split = "validation"

    @Option(name: .long, help: "Examples or episodes.")
    var count = 200

    @Option(name: .long, help: "Seed of the examples (the run's seed gives its own validation set).")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Longest response.")
    var maxNewTokens = 48

    @Option(name: .long, help: "Write the metrics as JSON here (default: CHECKPOINT.evaluation-TASK-SPLIT.json beside the folder, which stays as saved).")
    var out: String?

    func run() throws {
        guard let split = DataSplit(rawValue: split), split != .train else { throw CLIError("--split: use validation or test") }
        guard (1...100_000).contains(count) else { throw CLIError("--count: must be in 1…100000") }
        do {
            let metrics = try CheckpointEvaluation.evaluate(folder: checkpoint, task: PolicyTasks.make(task), split: split, count: count,
                                                            seed: seed, maxNewTokens: maxNewTokens)
            for (name, value) in metrics { print("\(name)\t\(value)") }
            let json = JSONValue.object(JSONObject([("task", .string(task)), ("split", .string(split.rawValue)),
                                                    ("count", .number(Double(count)))] + metrics.map { ($0.name, .number($0.value)) }))
            // Beside the folder, not in it: a checkpoint holds exactly the files its manifest lists.
            let folder = (checkpoint as NSString).standardizingPath
            let path = out ?? folder + ".evaluation-\(task)-\(split.rawValue).json"
            try AtomicFile.write(Data((json.serialized(indent: 2) + "\n").utf8), to: path)
        } catch let error as InputError {
            throw CLIError("\(error)")
        }
    }
}
