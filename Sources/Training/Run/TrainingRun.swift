import Foundation
import Tensor
import Verification

/// What `rlref train` was asked to do.
public struct TrainingRunRequest: Sendable {
    public var steps: Int?
    public var seed: UInt64
    /// A new run folder (`--out`), or nil with `resume` set.
    public var out: String?
    /// An existing run folder to continue (`--resume`).
    public var resume: String?
    /// `--set key=value` overrides, in order.
    public var overrides: [String]

    public init(steps: Int? = nil, seed: UInt64 = 0, out: String? = nil, resume: String? = nil, overrides: [String] = []) {
        self.steps = steps; self.seed = seed; self.out = out; self.resume = resume; self.overrides = overrides
    }
}

/// How a run ended.
public struct TrainingRunSummary: Sendable {
    public var folder: String
    public var completedSteps: Int
    public var interrupted: Bool
    public var evaluation: [(name: String, value: Double)]
    /// The evaluation before the first step (step 0 of the metrics log), when the run has one.
    public var initialEvaluation: [(name: String, value: Double)]
}

/// The loop around a recipe's steps: run folder, config, metrics, progress, evaluation, checkpoints,
/// samples, plots and Ctrl-C (finish the step, save, exit cleanly).
public enum TrainingRun {
    /// Settings every recipe has besides its own.
    public static let commonSettings: [RecipeSetting] = [
        RecipeSetting("checkpoint_every", .integer(1...1_000_000), default: "50", "steps between checkpoints (one is always written at the end)"),
        RecipeSetting("keep_checkpoints", .integer(1...1000), default: "2", "newest checkpoints kept"),
        RecipeSetting("eval_every", .integer(1...1_000_000), default: "50", "steps between validation evaluations (and at the end)"),
    ]

    /// The full settings table of `recipe`.
    public static func settingsTable<R: TrainingRecipe>(_ recipe: R.Type) -> [RecipeSetting] {
        recipe.settings + commonSettings
    }

    /// Runs (or resumes) `recipe` as `request` says.
    /// - Throws: `InputError` for a bad request (existing `--out`, unknown settings, a resume of
    ///   another recipe, changed settings on resume), the recipe's and the file system's errors.
    public static func run<R: TrainingRecipe>(_ recipe: R.Type, request: TrainingRunRequest,
                                              isTerminal: Bool? = nil) throws -> TrainingRunSummary {
        let table = settingsTable(recipe)
        let folder: RunFolder, settings: RecipeSettings, seed: UInt64, steps: Int, checkpoint: String?
        if let resume = request.resume {
            guard request.out == nil || request.out == resume else {
                throw InputError.invalidArgument(argument: "--out", reason: "give either --out (a new run) or --resume (an existing one)")
            }
            folder = try RunFolder.open(resume)
            guard case .object(let config) = try JSONValue(contentsOf: folder.file(RunFolder.configFile)),
                  config["recipe"] == .string(recipe.name), case .number(let savedSeed)? = config["seed"],
                  case .number(let savedSteps)? = config["steps"], let savedSettings = config["settings"] else {
                throw InputError.invalidArgument(argument: "--resume", reason: "\(resume.sanitizedForMessage()) is not a run of \(recipe.name)")
            }
            guard request.overrides.isEmpty else {
                throw InputError.invalidArgument(argument: "--set", reason: "settings are fixed when resuming (they are in \(RunFolder.configFile)); only --steps may change")
            }
            settings = try RecipeSettings(table: table, json: savedSettings)
            seed = UInt64(savedSeed)
            steps = request.steps ?? Int(savedSteps)
            guard let latest = folder.savedCheckpoints().last else {
                throw InputError.invalidArgument(argument: "--resume", reason: "\(resume.sanitizedForMessage()) has no checkpoint to continue from")
            }
            checkpoint = latest.path
        } else {
            guard let out = request.out else { throw InputError.missingInput(argument: "--out") }
            settings = try RecipeSettings(table: table, overrides: request.overrides)
            folder = try RunFolder.create(out)
            seed = request.seed
            steps = request.steps ?? recipe.defaultSteps
            checkpoint = nil
        }
        guard steps >= 1 else { throw InputError.outOfRange(argument: "--steps", value: Double(steps), range: "[1, ∞)") }
        try folder.writeJSON(.object(JSONObject([
            ("recipe", .string(recipe.name)), ("seed", .number(Double(seed))), ("steps", .number(Double(steps))),
            ("settings", settings.json),
        ])), to: RunFolder.configFile)

        let quietReporter = ProgressReporter(totalSteps: steps, firstStep: 0, isTerminal: isTerminal ?? false)
        var model = try R(settings: settings, seed: seed, checkpoint: checkpoint, log: { quietReporter.message($0) })
        let first = model.completedSteps
        guard first < steps else {
            throw InputError.invalidArgument(argument: "--steps", reason: "the run already completed \(first) steps; pass a larger --steps to continue it")
        }
        let progress = isTerminal.map { ProgressReporter(totalSteps: steps, firstStep: first, isTerminal: $0) }
            ?? ProgressReporter(totalSteps: steps, firstStep: first)
        var log = try MetricsLog(folder: folder.path, resumedStep: checkpoint == nil ? nil : first)
        let timeOffset = log.history.last?.wallTime ?? 0
        let start = Date()
        let checkpointEvery = settings.integer("checkpoint_every"), evalEvery = settings.integer("eval_every")

        InterruptSignal.install()
        defer { InterruptSignal.uninstall() }
        var interrupted = false
        var evaluation: [(name: String, value: Double)] = []
        if checkpoint == nil {
            // The starting point's evaluation (a warm start's, or a fresh model's) as step 0: every run
            // shows where it began.
            let initial = try model.evaluate().map { ("eval_\($0.name)", $0.value) }
            let metrics = StepMetrics(step: 0, wallTime: Date().timeIntervalSince(start), values: initial)
            try log.append(metrics)
            progress.report(metrics)
        }
        while model.completedSteps < steps {
            var values = try model.step()
            let step = model.completedSteps
            if step % evalEvery == 0 || step == steps {
                evaluation = try model.evaluate()
                values += evaluation.map { ("eval_\($0.name)", $0.value) }
            }
            let metrics = StepMetrics(step: step, wallTime: timeOffset + Date().timeIntervalSince(start), values: values)
            try log.append(metrics)
            progress.report(metrics)
            interrupted = InterruptSignal.isRequested
            if step % checkpointEvery == 0 || step == steps || interrupted {
                try saveArtifacts(&model, folder: folder, step: step, history: log.history,
                                  keep: settings.integer("keep_checkpoints"), recipeName: recipe.name)
            }
            if interrupted { break }
        }
        if evaluation.isEmpty || interrupted { evaluation = try model.evaluate() }
        try folder.writeJSON(.object(JSONObject([("step", .number(Double(model.completedSteps)))]
                                                + evaluation.map { ($0.name, .number($0.value)) })), to: "evaluation.json")
        let initial = log.history.first { $0.step == 0 }.map { m in m.values.compactMap { name, value in
            name.hasPrefix("eval_") ? (name: String(name.dropFirst(5)), value: value) : nil
        } } ?? []
        let change = initial.first.flatMap { before in evaluation.first { $0.name == before.name }.map { after in
            "\(before.name) \(ProgressReporter.format(before.value)) → \(ProgressReporter.format(after.value)); "
        } } ?? ""
        progress.finish(last: log.history.last, status: interrupted ? "interrupted" : "done",
                        hint: change + (interrupted ? "checkpoint written; continue with: rlref train \(recipe.name) --resume \(folder.path)"
                                                    : "run folder \(folder.path)"))
        return TrainingRunSummary(folder: folder.path, completedSteps: model.completedSteps, interrupted: interrupted,
                                  evaluation: evaluation, initialEvaluation: initial)
    }

    private static func saveArtifacts<R: TrainingRecipe>(_ model: inout R, folder: RunFolder, step: Int, history: [StepMetrics],
                                                         keep: Int, recipeName: String) throws {
        try model.saveCheckpoint(to: folder.checkpoint(step: step))
        folder.pruneCheckpoints(keep: keep)
        try writeSamples(try model.samples(), to: (folder.samples as NSString).appendingPathComponent(String(format: "step-%06d", step)))
        try writePlots(history, to: folder.plots, recipeName: recipeName)
    }

    /// Each sample's image as `sample-K.png` and one JSON line per sample (prompt, response, scores).
    static func writeSamples(_ samples: [Sample], to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var lines = ""
        for (k, sample) in samples.enumerated() {
            let image = "sample-\(k).png"
            try sample.observation.image.image.write(to: (folder as NSString).appendingPathComponent(image))
            lines += JSONValue.object(JSONObject([
                ("image", .string(image)), ("prompt", .string(sample.observation.prompt)), ("response", .string(sample.response)),
            ] + sample.scores.map { ($0.name, .number($0.value)) })).serialized() + "\n"
        }
        try AtomicFile.write(Data(lines.utf8), to: (folder as NSString).appendingPathComponent("samples.jsonl"))
    }

    /// One PNG per metric over steps.
    static func writePlots(_ history: [StepMetrics], to folder: String, recipeName: String) throws {
        var names: [String] = []
        for metrics in history { for (name, _) in metrics.values where !names.contains(name) { names.append(name) } }
        for name in names {
            let points = history.compactMap { m in m[name].map { (x: Double(m.step), y: $0) } }
            let plot = LinePlot(title: "\(recipeName): \(name)", xLabel: "step", yLabel: name,
                                series: [.init(label: name, points: points)])
            let safe = String(name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "_" ? Character($0) : "-" })
            try plot.render().image.write(to: (folder as NSString).appendingPathComponent("\(safe).png"))
        }
    }
}
