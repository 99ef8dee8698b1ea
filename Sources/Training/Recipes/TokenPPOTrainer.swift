import Generation
import Models
import RLAlgorithms
import Tasks
import Tensor
import Verification

/// Token-level PPO for single-turn tasks (seeds 000 and 001): each step samples one response per
/// prompt, scores it, turns the score into per-token rewards with the KL penalty to the frozen warm
/// start (Specs/KLPenalty.md KLPenalty-6), estimates advantages with GAE (Specs/GAE.md), and takes
/// `epochs` clipped-PPO updates (Specs/PPOLoss.md) on the LoRA adapters and the value head. Every
/// equation is the RLAlgorithms function; this type only moves tensors between them and the model.
public struct TokenPPOTrainer {
    public struct Hyperparameters: Sendable {
        public var prompts = 16
        public var epochs = 2
        public var policyLearningRate = 2e-4
        public var valueLearningRate = 1e-3
        public var maxGradientNorm = 0.5
        public var gae = GAEConfiguration(gamma: 0.99, lambda: 0.95, whiten: true)
        public var loss = PPOLossConfiguration(valueCoef: 0.5, entropyCoef: 0.01)
        public var kl = KLPenaltyConfiguration(klCoef: 0)
        public var temperature = 1.0
        public var maxNewTokens = 24
        public var evaluationCount = 64
        public var lora = LoRASettings.seed000
        public var valueHeadWidths = [128, 128]
        public init() {}
    }

    /// The score of one response to one example (the task's reward model).
    public typealias Reward = @Sendable (TaskExample, String) throws -> Double

    public let task: any SingleTurnTask
    public let hyperparameters: Hyperparameters
    public let format: PromptFormat
    public let seed: UInt64
    public let reward: Reward
    public let configuration: JSONValue
    public private(set) var model: VisionLanguageModel<Float>
    public private(set) var optimizer: ParameterGroupOptimizer<Float>
    public private(set) var generators: [String: SeededGenerator]
    public private(set) var completedSteps: Int

    static func makeOptimizer(_ h: Hyperparameters) -> ParameterGroupOptimizer<Float> {
        ParameterGroupOptimizer(adam: AdamConfiguration(algorithm: .adamw), groups: [
            ParameterGroup(name: "value_head", learningRate: h.valueLearningRate, weightDecay: 0) { $0.hasPrefix("value_head.") },
            ParameterGroup(name: "policy", learningRate: h.policyLearningRate, weightDecay: 0) { _ in true },
        ], maxGradientNorm: h.maxGradientNorm)
    }

    /// A run from the warm start in `warmStart` (`checkpoint` nil) or continued from its checkpoint.
    public init(task: any SingleTurnTask, hyperparameters h: Hyperparameters, warmStart: String, seed: UInt64,
                configuration: JSONValue, checkpoint: String?, reward: @escaping Reward) throws {
        self.task = task
        self.hyperparameters = h
        self.seed = seed
        self.reward = reward
        self.configuration = configuration
        if let checkpoint {
            let state = try Checkpoint.load(checkpoint, optimizer: Self.makeOptimizer(h)) as TrainingState<Float>
            guard let tokenizer = state.tokenizer else { throw InputError.invalidArgument(argument: checkpoint, reason: "has no tokenizer") }
            model = state.model
            optimizer = state.optimizer
            generators = state.generators
            completedSteps = state.step
            format = PromptFormat(tokenizer: tokenizer, configuration: model.configuration)
        } else {
            var start = try WarmStart(folder: warmStart)
            var generator = SeededGenerator(seed: seed &+ 13)
            try start.prepareForRL(lora: h.lora, valueHeadWidths: h.valueHeadWidths, generator: &generator)
            model = start.model
            format = start.format
            optimizer = Self.makeOptimizer(h)
            generators = ["data": SeededGenerator(seed: seed &+ DataSplit.train.streamOffset),
                          "dropout": SeededGenerator(seed: seed &+ 7), "sampling": SeededGenerator(seed: seed &+ 11)]
            completedSteps = 0
        }
    }

    var samplingOptions: DecodingOptions {
        format.decodingOptions(maxNewTokens: hyperparameters.maxNewTokens, sampling: .init(temperature: hyperparameters.temperature))
    }

    /// A rollout: the prompts, sampled responses, their scores and the tensors PPO needs.
    public struct Rollout {
        public var examples: [TaskExample]
        public var responses: [GeneratedResponse]
        public var scores: Tensor<Float>
        public var batch: ModelBatch<Float>
        public var mask: Tensor<Float>
        public var oldLogProbs: Tensor<Float>
        public var oldValues: Tensor<Float>
        public var referenceLogProbs: Tensor<Float>
        public var rewards: KLPenalizedRewards<Float>
        public var advantages: GAEResult<Float>
    }

    /// Samples and scores one batch (no parameter changes).
    public mutating func rollout() throws -> Rollout {
        let examples = task.examples(count: hyperparameters.prompts, generator: &generators["data"]!)
        let observations = examples.map(\.observation)
        let responses = try format.generate(model, observations: observations, options: samplingOptions,
                                            generator: &generators["sampling"]!)
        let scores = try Tensor<Float>(shape: [examples.count], elements: zip(examples, responses).map { Float(try reward($0, $1.text)) },
                                       argument: "scores")
        let (batch, mask) = try format.sequenceBatch(observations, responses: responses.map(\.tokens), as: Float.self)
        var context = ForwardContext.evaluation
        let temperature = SamplingTemperature.shared(hyperparameters.temperature)
        let old = try model.score(batch, mask: mask, temperature: temperature, context: &context)
        var reference = model
        reference.setAdaptersEnabled(false)
        let ref = try reference.score(batch, mask: mask, temperature: temperature, context: &context)
        let rewards = try klPenalizedRewards(try KLTokenBatch(logProbs: old.logProbs, refLogProbs: ref.logProbs, mask: mask),
                                             scores: scores, configuration: hyperparameters.kl)
        var terminated = Tensor<Float>(shape: mask.shape)
        for b in 0..<mask.shape[0] {
            if let last = (0..<mask.shape[1]).last(where: { mask[b, $0] != 0 }) { terminated[b, last] = 1 }
        }
        let advantages = try generalizedAdvantageEstimates(
            try GAEBatch(rewards: rewards.rewards, values: old.values!, mask: mask, terminated: terminated),
            configuration: hyperparameters.gae)
        return Rollout(examples: examples, responses: responses, scores: scores, batch: batch, mask: mask,
                       oldLogProbs: old.logProbs, oldValues: old.values!, referenceLogProbs: ref.logProbs,
                       rewards: rewards, advantages: advantages)
    }

    /// The PPO loss of the current model on `rollout` and its gradients w.r.t. log-probs, values
    /// and entropies, from `ppoLoss`/`ppoLossBackward` (what `update` back-propagates).
    public func loss(_ scores: TokenScores<Float>, rollout: Rollout) throws -> (PPOLossResult<Float>, PPOLossGradients<Float>, PPOLossBatch<Float>) {
        let batch = try PPOLossBatch(logProbs: scores.logProbs, oldLogProbs: rollout.oldLogProbs,
                                     advantages: rollout.advantages.whitenedAdvantages ?? rollout.advantages.advantages,
                                     values: scores.values!, oldValues: rollout.oldValues, returns: rollout.advantages.returns,
                                     entropy: scores.entropy, mask: rollout.mask)
        return (try ppoLoss(batch, configuration: hyperparameters.loss),
                try ppoLossBackward(batch, configuration: hyperparameters.loss), batch)
    }

    /// One PPO step: a rollout, then `epochs` updates on it. Returns the step's metrics.
    public mutating func step() throws -> [(name: String, value: Double)] {
        let rollout = try rollout()
        var last: PPOLossResult<Float>?
        var clipFraction = 0.0, approxKL = 0.0, gradientNorm = 0.0
        for _ in 0..<hyperparameters.epochs {
            model.zeroGradients()
            var context = ForwardContext(training: true, generator: generators["dropout"]!)
            let scores = try model.score(rollout.batch, mask: rollout.mask, temperature: .shared(hyperparameters.temperature),
                                         context: &context)
            generators["dropout"] = context.generator
            let (result, gradients, batch) = try loss(scores, rollout: rollout)
            try model.backward(scores, logProbsGradient: gradients.logProbs, entropyGradient: gradients.entropy,
                               valuesGradient: gradients.values)
            gradientNorm = Double(try optimizer.step(&model))
            let diagnostics = try ppoPolicyLoss(batch.policy, configuration: hyperparameters.loss.policy).diagnostics
            clipFraction = Double(diagnostics.clipFractionRatio)
            approxKL = Double(diagnostics.approxKLK3)
            last = result
        }
        completedSteps += 1
        let rows = Double(rollout.examples.count)
        let tokens = rollout.mask.elements.reduce(0, +)
        return [
            ("reward", Double(rollout.scores.elements.reduce(0, +)) / rows),
            ("kl", Double(rollout.rewards.sequenceKL.elements.reduce(0, +)) / rows),
            ("loss", Double(last!.loss)), ("policy_loss", Double(last!.policyLoss)),
            ("value_loss", Double(last!.valueLoss)), ("entropy", Double(last!.entropy)),
            ("clip_fraction", clipFraction), ("approx_kl", approxKL), ("grad_norm", gradientNorm),
            ("response_tokens", Double(tokens) / rows),
        ]
    }

    /// Greedy responses of the current policy.
    public func respond(_ observations: [Observation]) throws -> [GeneratedResponse] {
        var unused = SeededGenerator(seed: 0)
        return try format.generate(model, observations: observations,
                                   options: format.decodingOptions(maxNewTokens: hyperparameters.maxNewTokens), generator: &unused)
    }

    /// The task's validation metrics under greedy decoding.
    public func evaluate(split: DataSplit = .validation) throws -> [(name: String, value: Double)] {
        try task.evaluate(split: split, count: hyperparameters.evaluationCount, seed: seed) { try respond($0).map(\.text) }
    }

    /// Greedy answers to a few validation examples with their rewards.
    public func samples(count: Int = 4) throws -> [Sample] {
        var generator = SeededGenerator(seed: seed &+ DataSplit.validation.streamOffset)
        let shown = task.examples(count: count, generator: &generator)
        let responses = try respond(shown.map(\.observation))
        return try zip(shown, responses).map { example, response in
            Sample(observation: example.observation, response: response.text, scores: [("reward", try reward(example, response.text))])
        }
    }

    public func saveCheckpoint(to folder: String) throws {
        try Checkpoint.save(TrainingState(model: model, optimizer: optimizer, tokenizer: format.tokenizer, generators: generators,
                                          configuration: configuration, step: completedSteps), to: folder)
    }
}
