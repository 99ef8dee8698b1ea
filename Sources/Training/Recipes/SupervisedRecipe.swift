import Tensor

/// `rlref train sft --set task=T` (also `rlref sft T`): the supervised warm start of a task
/// (`SupervisedTrainer`).
public struct SupervisedRecipe: DelegatingRecipe {
    public static let name = "sft"
    public static let summary = "supervised warm start: teacher forcing on a task's imperfect demonstrations (the start of every RL recipe)"
    public static let defaultSteps = 1000
    public static var settings: [RecipeSetting] {
        let d = SupervisedTrainer.Hyperparameters()
        return [
            RecipeSetting("task", .choice(PolicyTasks.names), default: PolicyTasks.names[0], "the task to imitate"),
            RecipeSetting("model", .choice(ModelSize.allCases.map(\.rawValue)), default: d.model.rawValue, "model size"),
            RecipeSetting("patches_per_side", .integer(1...64), default: "\(d.patchesPerSide)", "image patches per side (tokens = its square)"),
            RecipeSetting("vision_init", .text, default: "none",
                          "none, or clip: start the vision tower from the tiny CLIP's image encoder (LLaVA's recipe; 64-pixel tasks)"),
            RecipeSetting("batch_size", .integer(1...4096), default: "\(d.batchSize)", "demonstrations per step"),
            RecipeSetting("learning_rate", .real(0...1), default: "\(d.learningRate)", "AdamW peak learning rate"),
            RecipeSetting("warmup_steps", .integer(0...1_000_000), default: "\(d.warmupSteps)", "linear warm-up steps"),
            RecipeSetting("weight_decay", .real(0...1), default: "\(d.weightDecay)", "AdamW decoupled weight decay"),
            RecipeSetting("max_grad_norm", .real(0...1e6), default: "\(d.maxGradientNorm ?? 0)", "global gradient-norm clip (0: none)"),
            RecipeSetting("eval_count", .integer(1...100_000), default: "\(d.evaluationCount)", "validation examples or episodes"),
            RecipeSetting("max_new_tokens", .integer(1...512), default: "\(d.maxNewTokens)", "longest generated response"),
            RecipeSetting("caption_fraction", .real(0...1), default: "0.5",
                          "shapes tasks: fraction of demonstrations that are captions (VQA: detailed ones; captioning: any reference instead of \"a {shape}\")"),
            RecipeSetting("cot", .flag, default: "true", "GymCards: replies with thoughts and action (false: the action alone)"),
        ]
    }

    public var trainer: SupervisedTrainer

    public init(settings: RecipeSettings, seed: UInt64, checkpoint: String?, log: (String) -> Void) throws {
        var h = SupervisedTrainer.Hyperparameters()
        h.model = ModelSize(rawValue: settings.choice("model"))!
        h.batchSize = settings.integer("batch_size")
        h.patchesPerSide = settings.integer("patches_per_side")
        h.learningRate = settings.real("learning_rate")
        h.warmupSteps = settings.integer("warmup_steps")
        h.weightDecay = settings.real("weight_decay")
        h.maxGradientNorm = settings.real("max_grad_norm") > 0 ? settings.real("max_grad_norm") : nil
        h.evaluationCount = settings.integer("eval_count")
        h.maxNewTokens = settings.integer("max_new_tokens")
        let task = try PolicyTasks.make(settings.choice("task"), captionFraction: settings.real("caption_fraction"),
                                        chainOfThought: settings.flag("cot"))
        if checkpoint == nil, settings.choice("vision_init") != "none" {
            let clip = try CLIPResolution.load(settings.choice("vision_init") == "clip" ? "auto" : settings.choice("vision_init"), log: log)
            h.visionTower = (clip.model.visionTower, clip.model.configuration.vision)
        }
        trainer = try SupervisedTrainer(task: task, hyperparameters: h, seed: seed, configuration: settings.json, checkpoint: checkpoint)
        log("sft on \(task.name): \(trainer.model.configuration.text.vocabularySize)-word vocabulary, "
            + "\(trainer.model.parameterCount) parameters")
    }

}
