import RLAlgorithms
import Tasks
import Tensor

/// `gymcards-ppo-cot` (seed 002, RL4VLM): PPO over environment steps with the λ-scaled
/// chain-of-thought log-probability on a GymCards game (NumberLine by default).
public struct GymCardsCoTRecipe: DelegatingRecipe {
    public static let name = "gymcards-ppo-cot"
    public static let summary = "seed 002: PPO with the λ-scaled chain-of-thought log-probability on GymCards (task=numberline|ezpoints|points24|blackjack)"
    public static let defaultSteps = 200
    public static var settings: [RecipeSetting] {
        let d = CoTPPOTrainer.Hyperparameters()
        return [
            RecipeSetting("task", .choice(GymCardsTask.allCases.map(\.rawValue)), default: GymCardsTask.numberLine.rawValue, "the game"),
            WarmStartResolution.setting,
            RecipeSetting("cot", .flag, default: "true",
                          "false: seed 002's no-CoT ablation (prompts ask for the action alone; warm start runs/warm-starts/TASK-nocot)"),
            RecipeSetting("thought_coef", .real(0...1), default: "\(d.thoughtCoefficient)", "λ, the scale of the thought tokens' log-probability"),
            RecipeSetting("environments", .integer(1...256), default: "\(d.environments)", "parallel environments"),
            RecipeSetting("steps_per_update", .integer(1...1024), default: "\(d.stepsPerUpdate)", "environment steps per environment per update"),
            RecipeSetting("epochs", .integer(1...64), default: "\(d.epochs)", "PPO epochs per update"),
            RecipeSetting("clip", .real(0...10), default: "\(d.clipEpsilon)", "ε of the sequence-level clip"),
            RecipeSetting("gamma", .real(0...1), default: "\(d.gae.gamma)", "discount over environment steps"),
            RecipeSetting("gae_lambda", .real(0...1), default: "\(d.gae.lambda)", "GAE λ"),
            RecipeSetting("learning_rate", .real(0...1), default: "\(d.policyLearningRate)", "AdamW learning rate of the adapters"),
            RecipeSetting("value_learning_rate", .real(0...1), default: "\(d.valueLearningRate)", "AdamW learning rate of the value head"),
            RecipeSetting("lr_decay_updates", .integer(0...1_000_000), default: "\(d.decayUpdates ?? 0)",
                          "updates over which both learning rates fall to 0 along half a cosine (RL4VLM anneals with a cosine); 0 = constant"),
            RecipeSetting("temperature", .real(0.01...10), default: "\(d.temperature)", "sampling temperature"),
            RecipeSetting("train_vision", .flag, default: "\(d.trainVision)", "train the vision tower and projector too (RL4VLM: all)"),
            RecipeSetting("eval_count", .integer(1...100_000), default: "\(d.evaluationCount)", "validation episodes"),
            RecipeSetting("max_new_tokens", .integer(1...512), default: "\(d.maxNewTokens)", "longest reply"),
        ]
    }

    public var trainer: CoTPPOTrainer

    public init(settings: RecipeSettings, seed: UInt64, checkpoint: String?, log: (String) -> Void) throws {
        var h = CoTPPOTrainer.Hyperparameters()
        h.thoughtCoefficient = settings.real("thought_coef")
        h.environments = settings.integer("environments")
        h.stepsPerUpdate = settings.integer("steps_per_update")
        h.epochs = settings.integer("epochs")
        h.clipEpsilon = settings.real("clip")
        h.gae.gamma = settings.real("gamma")
        h.gae.lambda = settings.real("gae_lambda")
        h.policyLearningRate = settings.real("learning_rate")
        h.valueLearningRate = settings.real("value_learning_rate")
        let decayUpdates = settings.integer("lr_decay_updates")
        h.decayUpdates = decayUpdates > 0 ? decayUpdates : nil
        h.temperature = settings.real("temperature")
        h.trainVision = settings.flag("train_vision")
        h.evaluationCount = settings.integer("eval_count")
        h.maxNewTokens = settings.integer("max_new_tokens")
        let task = GymCardsPolicyTask(GymCardsTask(rawValue: settings.choice("task"))!, chainOfThought: settings.flag("cot"))
        let warmStart = checkpoint == nil ? try WarmStartResolution.resolve(settings.choice("warm_start"), task: task.name,
                                                                            chainOfThought: task.chainOfThought, log: log) : ""
        trainer = try CoTPPOTrainer(task: task, hyperparameters: h, warmStart: warmStart, seed: seed, configuration: settings.json,
                                    checkpoint: checkpoint)
    }

}
