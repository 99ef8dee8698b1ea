import Generation
import Models
import RLAlgorithms
import Tasks
import Tensor
import Verification

/// The score of one response to one example (a task's reward model).
public typealias ResponseReward = @Sendable (TaskExample, String) throws -> Double

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
        public var evaluationCount = 256
        public var lora = LoRASettings.seed000
        public var valueHeadWidths = [128, 128]
        public init() {}
    }

    public let task: any SingleTurnTask
    public let hyperparameters: Hyperparameters
    public let reward: ResponseReward
    public private(set) var run: PolicyRun

    public var model: VisionLanguageModel<Float> { run.model }
    public var completedSteps: Int { run.completedSteps }

    static func makeOptimizer(_ h: Hyperparameters) -> ParameterGroupOptimizer<Float> {
        ParameterGroupOptimizer(adam: AdamConfiguration(algorithm: .adamw), groups: [
            ParameterGroup(name: "value_head", learningRate: h.valueLearningRate, weightDecay: 0) { $0.hasPrefix("value_head.") },
            ParameterGroup(name: "policy", learningRate: h.policyLearningRate, weightDecay: 0) { _ in true },
        ], maxGradientNorm: h.maxGradientNorm)
    }

    /// A run from the warm start in `warmStart` (`checkpoint` nil) or continued from its checkpoint.
    public init(task: any SingleTurnTask, hyperparameters h: Hyperparameters, warmStart: String, seed: UInt64,
                configuration: JSONValue, checkpoint: String?, reward: @escaping ResponseReward) throws {
        self.task = task
        self.hyperparameters = h
        self.reward = reward
        run = try PolicyRun(warmStart: warmStart, checkpoint: checkpoint, optimizer: Self.makeOptimizer(h), lora: h.lora,
                            valueHeadWidths: h.valueHeadWidths, seed: seed, configuration: configuration)
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
        let h = hyperparameters
        let examples = task.examples(count: h.prompts, generator: &run.generators["data"]!)
        let observations = examples.map(\.observation)
        let responses = try run.format.generate(run.model, observations: observations,
                                                options: run.format.decodingOptions(maxNewTokens: h.maxNewTokens,
                                                                                    sampling: .init(temperature: h.temperature)),
                                                generator: &run.generators["sampling"]!)
        let scores = try Tensor<Float>(shape: [examples.count], elements: zip(examples, responses).map { Float(try reward($0, $1.text)) },
                                       argument: "scores")
        let (batch, mask) = try run.format.sequenceBatch(observations, responses: responses.map(\.tokens), as: Float.self)
        var context = ForwardContext.evaluation
        let old = try run.model.score(batch, mask: mask, temperature: .shared(h.temperature), context: &context)
        let ref = try run.reference.score(batch, mask: mask, temperature: .shared(h.temperature), context: &context)
        let rewards = try klPenalizedRewards(try KLTokenBatch(logProbs: old.logProbs, refLogProbs: ref.logProbs, mask: mask),
                                             scores: scores, configuration: h.kl)
        var terminated = Tensor<Float>(shape: mask.shape)
        for b in 0..<mask.shape[0] {
            if let last = (0..<mask.shape[1]).last(where: { mask[b, $0] != 0 }) { terminated[b, last] = 1 }
        }
        let advantages = try generalizedAdvantageEstimates(
            try GAEBatch(rewards: rewards.rewards, values: old.values!, mask: mask, terminated: terminated), configuration: h.gae)
        return Rollout(examples: examples, responses: responses, scores: scores, batch: batch, mask: mask,
                       oldLogProbs: old.logProbs, oldValues: old.values!, referenceLogProbs: ref.logProbs,
                       rewards: rewards, advantages: advantages)
    }

    /// The PPO loss inputs of the current scores on `rollout` (what `step` hands to `ppoLoss`).
    public func lossBatch(_ scores: TokenScores<Float>, rollout: Rollout) throws -> PPOLossBatch<Float> {
        try PPOLossBatch(logProbs: scores.logProbs, oldLogProbs: rollout.oldLogProbs,
                         advantages: rollout.advantages.whitenedAdvantages ?? rollout.advantages.advantages,
                         values: scores.values!, oldValues: rollout.oldValues, returns: rollout.advantages.returns,
                         entropy: scores.entropy, mask: rollout.mask)
    }

    /// One PPO step: a rollout, then `epochs` updates on it. Returns the step's metrics.
    public mutating func step() throws -> [(name: String, value: Double)] {
        let h = hyperparameters
        let rollout = try rollout()
        var last: PPOLossResult<Float>?
        var clipFraction = 0.0, approxKL = 0.0, gradientNorm = 0.0
        for _ in 0..<h.epochs {
            run.model.zeroGradients()
            let scores = try run.trainingScores(rollout.batch, mask: rollout.mask, temperature: .shared(h.temperature))
            let batch = try lossBatch(scores, rollout: rollout)
            let result = try ppoLoss(batch, configuration: h.loss)
            let gradients = try ppoLossBackward(batch, configuration: h.loss)
            try run.model.backward(scores, logProbsGradient: gradients.logProbs, entropyGradient: gradients.entropy,
                                   valuesGradient: gradients.values)
            gradientNorm = Double(try run.optimizer.step(&run.model))
            let diagnostics = try ppoPolicyLoss(batch.policy, configuration: h.loss.policy).diagnostics
            clipFraction = Double(diagnostics.clipFractionRatio)
            approxKL = Double(diagnostics.approxKLK3)
            last = result
        }
        run.completedSteps += 1
        let rows = Double(rollout.examples.count)
        return [
            ("reward", Double(rollout.scores.elements.reduce(0, +)) / rows),
            ("kl", Double(rollout.rewards.sequenceKL.elements.reduce(0, +)) / rows),
            ("loss", Double(last!.loss)), ("policy_loss", Double(last!.policyLoss)),
            ("value_loss", Double(last!.valueLoss)), ("entropy", Double(last!.entropy)),
            ("clip_fraction", clipFraction), ("approx_kl", approxKL), ("grad_norm", gradientNorm),
            ("response_tokens", Double(rollout.mask.elements.reduce(0, +)) / rows),
        ]
    }

    /// The task's metrics and the mean reward of greedy answers to the validation examples, then the
    /// mean reward of answers sampled at the training temperature (`sampled_reward`, 4 per example).
    public func evaluate(split: DataSplit) throws -> [(name: String, value: Double)] {
        let h = hyperparameters
        return try run.evaluate(task, split: split, count: h.evaluationCount, maxNewTokens: h.maxNewTokens, reward: reward)
            + [("sampled_reward", try run.sampledReward(task, split: split, count: h.evaluationCount, maxNewTokens: h.maxNewTokens,
                                                        sampling: Array(repeating: .init(temperature: h.temperature), count: 4),
                                                        reward: reward))]
    }

    /// Greedy answers to a few validation examples with their rewards.
    public func samples(count: Int) throws -> [Sample] {
        try run.samples(task, count: count, maxNewTokens: hyperparameters.maxNewTokens, reward: reward)
    }

    public func saveCheckpoint(to folder: String) throws { try run.saveCheckpoint(to: folder) }
}

extension TokenPPOTrainer: RecipeTrainer {
    public mutating func evaluate() throws -> [(name: String, value: Double)] { try evaluate(split: .validation) }
    public mutating func samples() throws -> [Sample] { try samples(count: 4) }
}
