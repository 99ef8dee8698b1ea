import RLAlgorithms
import Tasks
import Tensor

/// `caption-vlrm` (seed 004): VLRM's A2C on shapes captioning — per-token returns sim + ref − noeos −
/// bad − repeat with sim the tiny CLIP's image–caption score and ref the frozen warm start's mean token
/// log-probability, the probability-weighted policy loss, a large value head, warm-up 20, gradient
/// clamp 1, top-k 6 at temperature 2 for training and beam search (5 beams, 4 to 24 new tokens,
/// no-repeat 2) for evaluation, which adds text-to-image retrieval with the tiny CLIP (seed 004's
/// Table 3). `--set ref_weight=0` is the retrieval-specialised variant (VLRM-RS without the ref term).
public struct CaptionVLRMRecipe: DelegatingRecipe {
    public static let name = "caption-vlrm"
    public static let summary = "seed 004: VLRM A2C with per-token returns (sim + ref − noeos − bad − repeat) on shapes captioning"
    public static let defaultSteps = 200
    public static var settings: [RecipeSetting] {
        let d = VLRMTrainer.Hyperparameters()
        return [
            WarmStartResolution.setting, CLIPResolution.setting,
            RecipeSetting("ref_weight", .real(0...100), default: "\(d.returns.refWeight)", "α_ref (0: the retrieval-specialised variant)"),
            RecipeSetting("bad_weight", .real(0...100), default: "\(d.returns.badWeight)", "β_bad, penalty per bad-phrase token"),
            RecipeSetting("repeat_weight", .real(0...100), default: "\(d.returns.repeatWeight)", "β_rep, penalty per repeated token"),
            RecipeSetting("prompts", .integer(1...1024), default: "\(d.prompts)", "images per step"),
            RecipeSetting("learning_rate", .real(0...1), default: "\(d.learningRate)", "AdamW learning rate"),
            RecipeSetting("eval_count", .integer(2...100_000), default: "\(d.evaluationCount)", "validation images"),
            RecipeSetting("max_new_tokens", .integer(1...512), default: "\(d.maxNewTokens)", "longest caption"),
        ]
    }

    public var trainer: VLRMTrainer
    let clip: CLIPRewardModel
    let task = ShapesPolicyTask(.captioning)

    public init(settings: RecipeSettings, seed: UInt64, checkpoint: String?, log: (String) -> Void) throws {
        var h = VLRMTrainer.Hyperparameters()
        h.returns.refWeight = settings.real("ref_weight")
        h.returns.badWeight = settings.real("bad_weight")
        h.returns.repeatWeight = settings.real("repeat_weight")
        h.prompts = settings.integer("prompts")
        h.learningRate = settings.real("learning_rate")
        h.evaluationCount = settings.integer("eval_count")
        h.maxNewTokens = settings.integer("max_new_tokens")
        let clip = try CLIPResolution.load(settings.choice("clip"), log: log)
        self.clip = clip
        let warmStart = checkpoint == nil ? try WarmStartResolution.resolve(settings.choice("warm_start"), task: task.name, log: log) : ""
        trainer = try VLRMTrainer(task: task, hyperparameters: h, warmStart: warmStart, seed: seed, configuration: settings.json,
                                  checkpoint: checkpoint, rules: try VLRMPenaltyRules.paper()) { example, caption in
            try clip.imageTextScores(images: [example.observation.image], texts: [caption])[0]
        }
    }


    /// Object recall/precision of the beam-search captions, their mean CLIP score, text-to-image
    /// retrieval of the validation images by those captions (R@1, R@5, R@10, MRR; Specs/RetrievalMetrics.md),
    /// and how many different captions there are (retrieval needs them to differ).
    public mutating func evaluate() throws -> [(name: String, value: Double)] {
        let examples = task.task.examples(split: .validation, seed: trainer.run.seed, count: trainer.hyperparameters.evaluationCount)
        var captions: [String] = []
        for start in stride(from: 0, to: examples.count, by: 32) {
            captions += try trainer.caption(examples[start..<min(examples.count, start + 32)].map(\.observation))
        }
        let images = try clip.imageEmbeddings(examples.map(\.observation.image))
        let texts = try clip.textEmbeddings(captions)
        let retrieval = try retrievalMetrics(similarity: images.matmul(texts, transposeOther: true)).textToImage
        let objects = try task.task.evaluate(predictions: captions, examples: examples)
        let sim = try CLIPRewardModel.cosines(images, texts)
        return [("recall_at_1", retrieval.recallAtK[0]), ("recall_at_5", retrieval.recallAtK[1]), ("recall_at_10", retrieval.recallAtK[2]),
                ("mrr", retrieval.meanReciprocalRank), ("clip_score", sim.reduce(0, +) / Double(sim.count)),
                ("object_recall", objects["object_recall"] ?? 0), ("object_precision", objects["object_precision"] ?? 0),
                ("distinct_captions", Double(Set(captions).count))]
    }

}
