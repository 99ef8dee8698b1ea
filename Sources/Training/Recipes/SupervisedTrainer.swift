import Generation
import Models
import RLAlgorithms
import Tasks
import Tensor
import Verification

/// The supervised warm start (`rlref sft TASK`, recipe `sft`): a freshly initialised model (all
/// parameters trainable) taught the task's demonstrations by teacher forcing (`supervisedStep`:
/// token-mean cross-entropy over response tokens, AdamW with optional warm-up and gradient clipping).
/// The defaults (micro model, lr 1e-3, no warm-up, no clipping) are the ones under which a model trained
/// from scratch learns to read its images on two CPU cores (README, "Warm starts"). Its checkpoint is what the RL recipes start from and keep, adapters disabled, as the frozen reference.
public struct SupervisedTrainer {
    public struct Hyperparameters: Sendable {
        public var batchSize = 16
        public var learningRate = 1e-3
        public var warmupSteps = 0
        public var weightDecay = 0.0
        /// The global gradient-norm clip, nil for none.
        public var maxGradientNorm: Double? = nil
        public var evaluationCount = 64
        public var maxNewTokens = 48
        public var model = ModelSize.micro
        /// Image patches per side (the image size must be a multiple of it).
        public var patchesPerSide = 8
        /// A pretrained vision tower to start from (LLaVA's recipe: the CLIP image encoder), or nil.
        public var visionTower: (tower: VisionTower<Float>, configuration: VisionConfiguration)?
        public init() {}
    }

    public let task: any PolicyTask
    public let hyperparameters: Hyperparameters
    public let format: PromptFormat
    public let seed: UInt64
    public private(set) var model: VisionLanguageModel<Float>
    public private(set) var optimizer: ParameterGroupOptimizer<Float>
    /// "data" (demonstration draws) and "dropout".
    public private(set) var generators: [String: SeededGenerator]
    public private(set) var completedSteps: Int
    /// Saved with each checkpoint (the run's settings).
    public let configuration: JSONValue

    static func makeOptimizer(_ h: Hyperparameters) -> ParameterGroupOptimizer<Float> {
        ParameterGroupOptimizer(adam: AdamConfiguration(algorithm: .adamw),
                                groups: [ParameterGroup(name: "model", learningRate: h.learningRate, warmupSteps: h.warmupSteps,
                                                        weightDecay: h.weightDecay, contains: { _ in true })],
                                maxGradientNorm: h.maxGradientNorm)
    }

    /// A fresh warm start (`checkpoint` nil) or one continued from its checkpoint folder.
    /// - Throws: the checkpoint's typed errors; `invalidArgument` when it was trained on another task.
    public init(task: any PolicyTask, hyperparameters h: Hyperparameters, seed: UInt64, configuration: JSONValue,
                checkpoint: String?) throws {
        self.task = task
        self.hyperparameters = h
        self.seed = seed
        self.configuration = configuration
        guard task.imageSize % h.patchesPerSide == 0 else {
            throw InputError.invalidArgument(argument: "patches_per_side", reason: "\(h.patchesPerSide) does not divide the \(task.imageSize)-pixel images")
        }
        if let checkpoint {
            let state = try Checkpoint.load(checkpoint, optimizer: Self.makeOptimizer(h)) as TrainingState<Float>
            guard let tokenizer = state.tokenizer else {
                throw InputError.invalidArgument(argument: checkpoint, reason: "has no tokenizer")
            }
            model = state.model
            optimizer = state.optimizer
            generators = state.generators
            completedSteps = state.step
            format = PromptFormat(tokenizer: tokenizer, configuration: model.configuration)
        } else {
            let tokenizer = try WordLevelTokenizer(corpus: task.corpus)
            let configuration = h.model.configuration(vocabularySize: tokenizer.vocabulary.count,
                                                      imageTokenID: tokenizer.id(of: tokenizer.imageToken)!,
                                                      imageSize: task.imageSize, patchesPerSide: h.patchesPerSide)
            var generator = SeededGenerator(seed: seed)
            model = try VisionLanguageModel(configuration: configuration, using: &generator)
            if let pretrained = h.visionTower {
                var towerOnly = pretrained.configuration
                towerOnly.projectionDimension = configuration.vision.projectionDimension   // not part of the tower
                guard towerOnly == configuration.vision else {
                    throw InputError.invalidArgument(argument: "vision_init", reason: "the pretrained vision tower's configuration differs from the model's")
                }
                model.visionTower = pretrained.tower
            }
            model.setTrainable { _ in true }
            optimizer = Self.makeOptimizer(h)
            generators = ["data": SeededGenerator(seed: seed &+ DataSplit.train.streamOffset),
                          "dropout": SeededGenerator(seed: seed &+ 7), "sampling": SeededGenerator(seed: seed &+ 11)]
            completedSteps = 0
            format = PromptFormat(tokenizer: tokenizer, configuration: configuration)
        }
    }

    /// One teacher-forced update on a fresh batch of demonstrations; returns its metrics.
    public mutating func step() throws -> [(name: String, value: Double)] {
        let demonstrations = task.demonstrations(count: hyperparameters.batchSize, generator: &generators["data"]!)
        let (batch, mask) = try format.sequenceBatch(demonstrations.map(\.observation),
                                                     responses: demonstrations.map { format.responseTokens($0.response) },
                                                     as: Float.self)
        var context = ForwardContext(training: true, generator: generators["dropout"]!)
        let loss = try supervisedStep(&model, optimizer: &optimizer, batch: batch, mask: mask, context: &context)
        generators["dropout"] = context.generator
        completedSteps += 1
        let rate = try optimizer.groups[0].schedule.learningRate(atStep: optimizer.stepCount)
        return [("loss", Double(loss)), ("learning_rate", rate)]
    }

    /// Greedy responses of the current model.
    public func respond(_ observations: [Observation]) throws -> [GeneratedResponse] {
        try format.respond(model, observations: observations, maxNewTokens: hyperparameters.maxNewTokens)
    }

    /// The task's validation metrics under greedy decoding.
    public func evaluate(split: DataSplit) throws -> [(name: String, value: Double)] {
        try task.evaluate(split: split, count: hyperparameters.evaluationCount, seed: seed) { observations in
            try respond(observations).map(\.text)
        }
    }

    /// Greedy answers to a few validation demonstrations' observations.
    public func samples(count: Int) throws -> [Sample] {
        var generator = SeededGenerator(seed: seed &+ DataSplit.validation.streamOffset)
        let shown = task.demonstrations(count: count, generator: &generator)
        let responses = try respond(shown.map(\.observation))
        return zip(shown, responses).map { demonstration, response in
            Sample(observation: demonstration.observation, response: response.text,
                   scores: [("matches_demonstration", response.text == demonstration.response ? 1 : 0)])
        }
    }

    /// Writes the checkpoint (model folder with tokenizer, optimizer moments, generators, settings).
    public func saveCheckpoint(to folder: String) throws {
        try Checkpoint.save(TrainingState(model: model, optimizer: optimizer, tokenizer: format.tokenizer,
                                          generators: generators, configuration: configuration, step: completedSteps),
                            to: folder)
    }
}

extension SupervisedTrainer: RecipeTrainer {
    public mutating func evaluate() throws -> [(name: String, value: Double)] { try evaluate(split: .validation) }
    public mutating func samples() throws -> [Sample] { try samples(count: 4) }
}
