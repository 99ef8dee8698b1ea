import RLAlgorithms
import Tasks
import Tensor

/// `vqa-grpo` (seed 003): GRPO on shapes VQA with the seed's composite answer reward
/// (Specs/VQAReward.md, the best score over the example's references), G = 4 samples per question
/// with temperatures [0.7, 0.8, 0.9, 1.0] and top-p [0.9, 0.85, 0.95, 0.8]; the corrected clipped
/// objective by default, `--set objective=seed-literal` for the seed's literal loss.
public struct VQAGRPORecipe: DelegatingRecipe {
    public static let name = "vqa-grpo"
    public static let summary = "seed 003: GRPO with the composite VQA reward on shapes VQA (objective=clipped|seed-literal)"
    public static let defaultSteps = 300
    public static var settings: [RecipeSetting] {
        let d = GRPOTrainer.Hyperparameters()
        return [
            WarmStartResolution.setting,
            RecipeSetting("objective", .choice(GRPOTrainer.Objective.allCases.map(\.rawValue)), default: d.objective.rawValue,
                          "clipped (GRPO-2, corrected) or seed-literal (GRPO-3)"),
            RecipeSetting("prompts", .integer(1...1024), default: "\(d.prompts)", "questions per step (each sampled G = 4 times)"),
            RecipeSetting("learning_rate", .real(0...1), default: "\(d.learningRate)", "AdamW learning rate of the LoRA adapters"),
            RecipeSetting("max_grad_norm", .real(0...1e6), default: "\(d.maxGradientNorm)", "global gradient-norm clip"),
            RecipeSetting("kl_coef", .real(0...100), default: "\(d.loss.klCoef)", "β of the k3 KL to the warm start (seed 003: none)"),
            RecipeSetting("lora_rank", .integer(1...256), default: "\(d.lora.rank)", "LoRA rank (α = 4·rank)"),
            RecipeSetting("eval_count", .integer(1...100_000), default: "\(d.evaluationCount)", "validation questions"),
            RecipeSetting("max_new_tokens", .integer(1...512), default: "8", "longest answer"),
        ]
    }

    /// The composite reward against the best-matching reference.
    public static let reward: ResponseReward = { example, response in
        try example.references.map { try vqaReward(VQAAnswerPair(prediction: response, reference: $0), as: Double.self).total }.max() ?? 0
    }

    public var trainer: GRPOTrainer

    public init(settings: RecipeSettings, seed: UInt64, checkpoint: String?, log: (String) -> Void) throws {
        var h = GRPOTrainer.Hyperparameters()
        h.objective = GRPOTrainer.Objective(rawValue: settings.choice("objective"))!
        h.prompts = settings.integer("prompts")
        h.learningRate = settings.real("learning_rate")
        h.maxGradientNorm = settings.real("max_grad_norm")
        h.loss.klCoef = settings.real("kl_coef")
        h.lora.rank = settings.integer("lora_rank")
        h.lora.alpha = Double(4 * h.lora.rank)
        h.evaluationCount = settings.integer("eval_count")
        h.maxNewTokens = settings.integer("max_new_tokens")
        let task = ShapesPolicyTask(.vqa)
        let warmStart = checkpoint == nil ? try WarmStartResolution.resolve(settings.choice("warm_start"), task: task.name, log: log) : ""
        trainer = try GRPOTrainer(task: task, hyperparameters: h, warmStart: warmStart, seed: seed, configuration: settings.json,
                                  checkpoint: checkpoint, reward: Self.reward)
    }

}
