import Generation
import Models
import RLAlgorithms
import Tasks
import Tensor
import Verification

/// What every RL trainer carries between steps and into its checkpoint: the policy (warm start +
/// LoRA adapters, optionally a value head), its optimiser, the prompt format, the named generators
/// ("data", "dropout", "sampling") and the step count.
public struct PolicyRun {
    public var model: VisionLanguageModel<Float>
    public var optimizer: ParameterGroupOptimizer<Float>
    public let format: PromptFormat
    public var generators: [String: SeededGenerator]
    public var completedSteps: Int
    public let seed: UInt64
    /// The run's settings, saved with each checkpoint.
    public let configuration: JSONValue

    /// From the warm start in `warmStart` with fresh adapters (and a value head when
    /// `valueHeadWidths` is given; the vision tower and projector train too with `trainVision`), or
    /// continued from `checkpoint`.
    /// - Throws: the warm start's and checkpoint's typed errors.
    public init(warmStart: String, checkpoint: String?, optimizer: ParameterGroupOptimizer<Float>, lora: LoRASettings,
                valueHeadWidths: [Int]?, trainVision: Bool = false, seed: UInt64, configuration: JSONValue) throws {
        self.seed = seed
        self.configuration = configuration
        if let checkpoint {
            let state = try Checkpoint.load(checkpoint, optimizer: optimizer) as TrainingState<Float>
            guard let tokenizer = state.tokenizer else { throw InputError.invalidArgument(argument: checkpoint, reason: "has no tokenizer") }
            model = state.model
            self.optimizer = state.optimizer
            generators = state.generators
            completedSteps = state.step
            format = PromptFormat(tokenizer: tokenizer, configuration: model.configuration)
        } else {
            var start = try WarmStart(folder: warmStart)
            var generator = SeededGenerator(seed: seed &+ 13)
            try start.prepareForRL(lora: lora, valueHeadWidths: valueHeadWidths, trainVision: trainVision, generator: &generator)
            model = start.model
            format = start.format
            self.optimizer = optimizer
            generators = ["data": SeededGenerator(seed: seed &+ DataSplit.train.streamOffset),
                          "dropout": SeededGenerator(seed: seed &+ 7), "sampling": SeededGenerator(seed: seed &+ 11)]
            completedSteps = 0
        }
    }

    /// Greedy responses of the current policy.
    public func respond(_ observations: [Observation], maxNewTokens: Int) throws -> [GeneratedResponse] {
        try format.respond(model, observations: observations, maxNewTokens: maxNewTokens)
    }

    /// `task`'s metrics on `count` examples or episodes of `split` under greedy decoding.
    public func evaluate(_ task: any PolicyTask, split: DataSplit, count: Int, maxNewTokens: Int) throws -> [(name: String, value: Double)] {
        try task.evaluate(split: split, count: count, seed: seed) { try respond($0, maxNewTokens: maxNewTokens).map(\.text) }
    }

    /// `task`'s metrics of greedy answers to its evaluation examples of `split`, then `("reward", mean)`:
    /// the mean of `reward` over the same answers (the objective the recipe optimises, as the seeds
    /// report it).
    public func evaluate(_ task: any SingleTurnTask, split: DataSplit, count: Int, maxNewTokens: Int,
                         reward: ResponseReward) throws -> [(name: String, value: Double)] {
        let examples = task.evaluationExamples(split: split, count: count, seed: seed)
        let answers = try task.answers(to: examples) { try respond($0, maxNewTokens: maxNewTokens).map(\.text) }
        let rewards = try zip(examples, answers).map { try reward($0, $1) }
        return try task.metrics(predictions: answers, examples: examples) + [("reward", rewards.reduce(0, +) / Double(rewards.count))]
    }

    /// The generator of an evaluation's `stream`-th set of samples: seeded by the run's seed, the split
    /// and the stream only, so every evaluation of a run sees the same random numbers.
    func evaluationSampler(split: DataSplit, stream: Int) -> SeededGenerator {
        SeededGenerator(seed: seed &+ split.streamOffset &+ 7_919 &* UInt64(stream + 1))
    }

    /// `task`'s metrics of answers sampled with `sampling` instead of greedy ones, each name prefixed
    /// `sampled_` (samples from `evaluationSampler`).
    public func evaluateSampling(_ task: any PolicyTask, split: DataSplit, count: Int, maxNewTokens: Int,
                                 sampling: DecodingOptions.Sampling) throws -> [(name: String, value: Double)] {
        var generator = evaluationSampler(split: split, stream: 0)
        let options = format.decodingOptions(maxNewTokens: maxNewTokens, sampling: sampling)
        return try task.evaluate(split: split, count: count, seed: seed) {
            try format.generate(model, observations: $0, options: options, generator: &generator).map(\.text)
        }.map { ("sampled_" + $0.name, $0.value) }
    }

    /// The mean `reward` of sampled answers to `task`'s evaluation examples of `split`: one answer per
    /// example for each entry of `sampling` (the recipe's training distribution) — the expected reward
    /// RL optimises, which greedy decoding can hide. Entry k draws from `evaluationSampler` stream k.
    public func sampledReward(_ task: any SingleTurnTask, split: DataSplit, count: Int, maxNewTokens: Int,
                              sampling: [DecodingOptions.Sampling], reward: ResponseReward) throws -> Double {
        let examples = task.evaluationExamples(split: split, count: count, seed: seed)
        var total = 0.0
        for (k, entry) in sampling.enumerated() {
            var generator = evaluationSampler(split: split, stream: k)
            let options = format.decodingOptions(maxNewTokens: maxNewTokens, sampling: entry)
            let answers = try task.answers(to: examples) { try format.generate(model, observations: $0, options: options, generator: &generator).map(\.text) }
            total += try zip(examples, answers).reduce(0) { $0 + (try reward($1.0, $1.1)) }
        }
        return total / Double(examples.count * sampling.count)
    }

    /// Greedy answers to the first `count` validation examples of `task`, each with its reward.
    public func samples(_ task: any SingleTurnTask, count: Int, maxNewTokens: Int, reward: ResponseReward) throws -> [Sample] {
        let shown = task.evaluationExamples(split: .validation, count: count, seed: seed)
        let responses = try respond(shown.map(\.observation), maxNewTokens: maxNewTokens)
        return try zip(shown, responses).map { example, response in
            Sample(observation: example.observation, response: response.text, scores: [("reward", try reward(example, response.text))])
        }
    }

    /// The model with its adapters disabled: the frozen warm start (no copy of the weights is kept
    /// beyond this value's copy-on-write storage) — unless the run trains the vision tower, whose
    /// recipe (chain-of-thought PPO) has no reference term.
    public var reference: VisionLanguageModel<Float> {
        var reference = model
        reference.setAdaptersEnabled(false)
        return reference
    }

    /// A forward pass with dropout drawn from the "dropout" generator.
    public mutating func trainingScores(_ batch: ModelBatch<Float>, mask: Tensor<Float>,
                                        temperature: SamplingTemperature) throws -> TokenScores<Float> {
        var context = ForwardContext(training: true, generator: generators["dropout"]!)
        defer { generators["dropout"] = context.generator }
        return try model.score(batch, mask: mask, temperature: temperature, context: &context)
    }

    /// Writes the checkpoint.
    public func saveCheckpoint(to folder: String) throws {
        try Checkpoint.save(TrainingState(model: model, optimizer: optimizer, tokenizer: format.tokenizer, generators: generators,
                                          configuration: configuration, step: completedSteps), to: folder)
    }
}
