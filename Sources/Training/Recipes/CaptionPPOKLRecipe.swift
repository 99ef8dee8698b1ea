import RLAlgorithms
import Tasks
import Tensor

/// `caption-ppo-kl` (seed 001): token-level PPO on shapes captioning with a per-token KL penalty to the
/// frozen warm start (β 0.2, Specs/KLPenalty.md) and the tiny CLIP's image–caption score as reward;
/// `--set reward=render` uses the render-and-compare reward instead (the caption drawn K = 5 times by
/// the caption-to-image renderer, image–image cosine averaged), standing in for seed 001's diffusion model.
public struct CaptionPPOKLRecipe: DelegatingRecipe {
    public static let name = "caption-ppo-kl"
    public static let summary = "seed 001: PPO with a KL penalty to the warm start and a CLIP (or render-and-compare) reward on shapes captioning"
    public static let defaultSteps = 200
    public static var settings: [RecipeSetting] {
        let d = TokenPPOTrainer.Hyperparameters()
        return [
            WarmStartResolution.setting, CLIPResolution.setting,
            RecipeSetting("reward", .choice(["clip", "render"]), default: "clip", "CLIP image-caption score, or render-and-compare"),
            RecipeSetting("renders", .integer(1...64), default: "5", "K, renders per caption for reward=render"),
            RecipeSetting("kl_coef", .real(0...100), default: "0.2", "β of the per-token KL penalty to the warm start"),
            RecipeSetting("prompts", .integer(1...1024), default: "\(d.prompts)", "images per step"),
            RecipeSetting("epochs", .integer(1...64), default: "\(d.epochs)", "PPO epochs per rollout"),
            RecipeSetting("learning_rate", .real(0...1), default: "\(d.policyLearningRate)", "AdamW learning rate of the adapters"),
            RecipeSetting("eval_count", .integer(1...100_000), default: "\(d.evaluationCount)", "validation images"),
            RecipeSetting("max_new_tokens", .integer(1...512), default: "24", "longest caption"),
        ]
    }

    public var trainer: TokenPPOTrainer

    /// FNV-1a of the caption's scalars (a stable seed offset).
    static func hash(_ text: String) -> UInt64 {
        text.unicodeScalars.reduce(14_695_981_039_346_656_037 as UInt64) { ($0 ^ UInt64($1.value)) &* 1_099_511_628_211 }
    }

    public init(settings: RecipeSettings, seed: UInt64, checkpoint: String?, log: (String) -> Void) throws {
        var h = TokenPPOTrainer.Hyperparameters()
        h.kl.klCoef = settings.real("kl_coef")
        h.prompts = settings.integer("prompts")
        h.epochs = settings.integer("epochs")
        h.policyLearningRate = settings.real("learning_rate")
        h.evaluationCount = settings.integer("eval_count")
        h.maxNewTokens = settings.integer("max_new_tokens")
        let task = ShapesPolicyTask(.captioning)
        let clip = try CLIPResolution.load(settings.choice("clip"), log: log)
        let renders = settings.integer("renders"), renderSeed = seed &+ 17
        let reward: ResponseReward
        if settings.choice("reward") == "clip" {
            reward = { example, caption in try clip.imageTextScores(images: [example.observation.image], texts: [caption])[0] }
        } else {
            reward = { example, caption in
                // Each caption's renders are seeded by the run and the caption, so rewards are reproducible.
                var generator = SeededGenerator(seed: renderSeed &+ Self.hash(caption))
                return try clip.renderScore(image: example.observation.image, caption: caption, renders: renders, generator: &generator)
            }
        }
        let warmStart = checkpoint == nil ? try WarmStartResolution.resolve(settings.choice("warm_start"), task: task.name, log: log) : ""
        trainer = try TokenPPOTrainer(task: task, hyperparameters: h, warmStart: warmStart, seed: seed, configuration: settings.json,
                                      checkpoint: checkpoint, reward: reward)
    }

}
