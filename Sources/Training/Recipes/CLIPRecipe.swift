import Foundation
import Models
import RLAlgorithms
import Tasks
import Tensor
import Verification

/// `rlref train clip`: the tiny CLIP reward model (Specs/CLIP.md) trained contrastively on shapes
/// captioning scenes, each image paired with one of its three reference captions drawn at random;
/// evaluated by text-to-image retrieval on validation scenes (Specs/RetrievalMetrics.md). Its
/// checkpoints are CLIP folders transformers' `CLIPModel.from_pretrained` loads, with the tokenizer
/// and `clip_state.json` (step and generator states; a resumed run restarts the optimiser's moments).
public struct CLIPRecipe: TrainingRecipe {
    public static let name = "clip"
    public static let summary = "the tiny CLIP reward model: contrastive training on shapes captions (seeds 000, 001, 004 score with it)"
    /// 1,000 steps (about 6.5 minutes on two cores): text-to-image R@1 0.30 and R@5 0.87 among 128
    /// validation scenes (chance 0.008 and 0.04).
    public static let defaultSteps = 1000
    public static let settings: [RecipeSetting] = [
        RecipeSetting("batch_size", .integer(2...4096), default: "32", "image-caption pairs per step"),
        RecipeSetting("learning_rate", .real(0...1), default: "0.001", "AdamW peak learning rate"),
        RecipeSetting("warmup_steps", .integer(0...1_000_000), default: "20", "linear warm-up steps"),
        RecipeSetting("weight_decay", .real(0...1), default: "0.01", "AdamW decoupled weight decay"),
        RecipeSetting("max_logit_scale", .real(0...20), default: "4.605170185988092", "clamp of the logit scale (ln 100, as CLIP)"),
        RecipeSetting("eval_count", .integer(2...100_000), default: "128", "validation scenes for retrieval"),
    ]

    var model: CLIPModel<Float>
    var optimizer: ParameterGroupOptimizer<Float>
    let tokenizer: WordLevelTokenizer
    var generators: [String: SeededGenerator]
    public private(set) var completedSteps: Int
    let settings: RecipeSettings
    let seed: UInt64

    public init(settings: RecipeSettings, seed: UInt64, checkpoint: String?, log: (String) -> Void) throws {
        self.settings = settings
        self.seed = seed
        optimizer = ParameterGroupOptimizer(adam: AdamConfiguration(algorithm: .adamw), groups: [
            ParameterGroup(name: "clip", learningRate: settings.real("learning_rate"), warmupSteps: settings.integer("warmup_steps"),
                           weightDecay: settings.real("weight_decay")) { _ in true },
        ])
        if let checkpoint {
            let reward = try CLIPRewardModel(folder: checkpoint)
            (model, tokenizer) = (reward.model, reward.tokenizer)
            guard case .object(let state) = try ModelFolder.readJSON((checkpoint as NSString).appendingPathComponent("clip_state.json")),
                  case .number(let step)? = state["step"], case .object(let saved)? = state["generators"] else {
                throw InputError.invalidArgument(argument: checkpoint, reason: "clip_state.json is malformed")
            }
            completedSteps = Int(step)
            generators = try saved.reduce(into: [:]) { result, entry in
                guard case .array(let words) = entry.value else { throw InputError.invalidArgument(argument: checkpoint, reason: "bad generator state") }
                result[entry.key] = try SeededGenerator(state: words.map { word in
                    guard case .string(let s) = word, let v = UInt64(s) else {
                        throw InputError.invalidArgument(argument: checkpoint, reason: "bad generator state")
                    }
                    return v
                })
            }
        } else {
            tokenizer = try CLIPRewardModel.tokenizer(corpus: ShapesVocabulary.corpus)
            let configuration = try CLIPConfiguration.tiny(vocabularySize: tokenizer.vocabulary.count, eosTokenID: tokenizer.id(of: "</s>")!,
                                                           padTokenID: tokenizer.id(of: "<pad>")!, bosTokenID: tokenizer.id(of: "<s>")!)
            var generator = SeededGenerator(seed: seed)
            model = try CLIPModel(configuration: configuration, using: &generator)
            generators = ["data": SeededGenerator(seed: seed &+ DataSplit.train.streamOffset)]
            completedSteps = 0
        }
        model.setTrainable { _ in true }
        log("clip: \(tokenizer.vocabulary.count)-word vocabulary")
    }

    public mutating func step() throws -> [(name: String, value: Double)] {
        let examples = ShapesTask.captioning.examples(split: .train, seed: generators["data"]!.next(), count: settings.integer("batch_size"))
        let captions = examples.map { $0.references[generators["data"]!.nextInt(below: $0.references.count)] }
        let reward = CLIPRewardModel(model: model, tokenizer: tokenizer)
        let (tokens, mask) = reward.tokens(captions)
        let batch = CLIPBatch(tokens: tokens, attentionMask: mask, pixels: try reward.pixels(examples.map(\.observation.image)))
        model.zeroGradients()
        var context = ForwardContext.evaluation
        let loss = try model.contrastiveLossAndGradients(batch, maxLogitScale: settings.real("max_logit_scale"), context: &context)
        let norm = try optimizer.step(&model)
        completedSteps += 1
        return [("loss", Double(loss)), ("logit_scale", Double(model.logitScale.value.elements[0])), ("grad_norm", Double(norm))]
    }

    /// Text-to-image retrieval of the detailed validation captions (R@1, R@5, MRR).
    public mutating func evaluate() throws -> [(name: String, value: Double)] {
        let examples = ShapesTask.captioning.examples(split: .validation, seed: seed, count: settings.integer("eval_count"))
        let reward = CLIPRewardModel(model: model, tokenizer: tokenizer)
        let images = try reward.imageEmbeddings(examples.map(\.observation.image))
        let texts = try reward.textEmbeddings(examples.map(\.answer))
        let similarity = images.matmul(texts, transposeOther: true)
        let metrics = try retrievalMetrics(similarity: similarity)
        return [("recall_at_1", metrics.textToImage.recallAtK[0]), ("recall_at_5", metrics.textToImage.recallAtK[1]),
                ("mrr", metrics.textToImage.meanReciprocalRank)]
    }

    public func saveCheckpoint(to folder: String) throws {
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp").path
        try? FileManager.default.removeItem(atPath: temporary)
        try ModelFolder.save(model, to: temporary)
        try tokenizer.save(to: temporary, modelMaxLength: model.configuration.text.maxPositions)
        let state = JSONValue.object(JSONObject([("step", .number(Double(completedSteps))), ("generators", .object(JSONObject(
            generators.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.state.map { .string(String($0)) })) })))]))
        try AtomicFile.write(Data(state.serialized(indent: 1).utf8), to: (temporary as NSString).appendingPathComponent("clip_state.json"))
        try? FileManager.default.removeItem(atPath: url.path)
        do { try FileManager.default.moveItem(atPath: temporary, toPath: url.path) } catch {
            throw InputError.invalidArgument(argument: folder, reason: "checkpoint could not be written (\(error.localizedDescription))")
        }
    }

    public mutating func samples() throws -> [Sample] { [] }
}
