import RLAlgorithms
import Tasks
import Tensor

/// `vqa-ppo` (seed 000): token-level PPO on shapes VQA with seed 000's settings — GAE γ 0.99 λ 0.95,
/// clip 0.2, value coefficient 0.5, entropy 0.01, gradient norm 0.5, a three-layer value head, LoRA r 8
/// α 32 dropout 0.05, separate learning rates for the adapters and the head — and its reward: the cosine
/// similarity of the answer's and the reference answer's embeddings, the best over the example's
/// references. The seed does not name its embedding: `similarity=clip` (default) embeds with the tiny
/// CLIP's text encoder, the closest to a sentence-embedding model; `similarity=words` compares word
/// counts (`wordCountSimilarity`), which cannot score "yes" close to "2" (README, vqa-ppo).
public struct VQAPPORecipe: DelegatingRecipe {
    public static let name = "vqa-ppo"
    public static let summary = "seed 000: PPO with a text-similarity reward (tiny CLIP text embeddings) on shapes VQA"
    public static let defaultSteps = 200
    public static var settings: [RecipeSetting] {
        let d = TokenPPOTrainer.Hyperparameters()
        return [
            WarmStartResolution.setting, CLIPResolution.setting,
            RecipeSetting("similarity", .choice(["clip", "words"]), default: "clip",
                          "embedding of the cosine reward: tiny CLIP text encoder, or word counts"),
            RecipeSetting("prompts", .integer(1...1024), default: "\(d.prompts)", "questions per step"),
            RecipeSetting("epochs", .integer(1...64), default: "\(d.epochs)", "PPO epochs per rollout"),
            RecipeSetting("learning_rate", .real(0...1), default: "\(d.policyLearningRate)", "AdamW learning rate of the adapters"),
            RecipeSetting("value_learning_rate", .real(0...1), default: "\(d.valueLearningRate)", "AdamW learning rate of the value head"),
            RecipeSetting("kl_coef", .real(0...100), default: "0", "β of the per-token KL penalty (seed 000: none)"),
            RecipeSetting("eval_count", .integer(1...100_000), default: "\(d.evaluationCount)", "validation questions"),
            RecipeSetting("max_new_tokens", .integer(1...512), default: "8", "longest answer"),
        ]
    }

    public var trainer: TokenPPOTrainer

    public init(settings: RecipeSettings, seed: UInt64, checkpoint: String?, log: (String) -> Void) throws {
        var h = TokenPPOTrainer.Hyperparameters()
        h.prompts = settings.integer("prompts")
        h.epochs = settings.integer("epochs")
        h.policyLearningRate = settings.real("learning_rate")
        h.valueLearningRate = settings.real("value_learning_rate")
        h.kl.klCoef = settings.real("kl_coef")
        h.evaluationCount = settings.integer("eval_count")
        h.maxNewTokens = settings.integer("max_new_tokens")
        let task = ShapesPolicyTask(.vqa)
        let reward: ResponseReward
        if settings.choice("similarity") == "clip" {
            let clip = try CLIPResolution.load(settings.choice("clip"), log: log)
            reward = { example, response in
                try clip.textTextScores(example.references, Array(repeating: response, count: example.references.count)).max() ?? 0
            }
        } else {
            reward = { example, response in try example.references.map { try wordCountSimilarity($0, response) }.max() ?? 0 }
        }
        let warmStart = checkpoint == nil ? try WarmStartResolution.resolve(settings.choice("warm_start"), task: task.name, log: log) : ""
        trainer = try TokenPPOTrainer(task: task, hyperparameters: h, warmStart: warmStart, seed: seed, configuration: settings.json,
                                      checkpoint: checkpoint, reward: reward)
    }

}
