import Generation
import Models
import RLAlgorithms
import Tasks
import Tensor
import Verification

/// GRPO for single-turn tasks (seed 003): each step samples G responses per prompt with per-sample
/// temperature and top-p, scores them, normalises the scores within each prompt's group
/// (Specs/GRPO.md GRPO-1) and updates the LoRA adapters with either the clipped token-level objective
/// (GRPO-2, the corrected form; default) or the seed's literal formulation (GRPO-3), whose gradient
/// with respect to the sampled answers is zero — kept to show that it does not learn.
public struct GRPOTrainer {
    public enum Objective: String, CaseIterable, Sendable {
        /// GRPO-2 on the sampled answers (one update per rollout, so the ratio is 1 and the gradient is GRPO-4's).
        case clipped
        /// GRPO-3: the mean normalised reward times the supervised loss on the reference answers.
        case seedLiteral = "seed-literal"
    }

    public struct Hyperparameters: Sendable {
        public var prompts = 8
        /// G, with one temperature and top-p per sample of a group (seed 003's four settings).
        public var temperatures = [0.7, 0.8, 0.9, 1.0]
        public var topP = [0.9, 0.85, 0.95, 0.8]
        public var objective = Objective.clipped
        public var loss = GRPOLossConfiguration()
        public var normalization = GroupNormalization()
        public var learningRate = 2e-4
        public var maxGradientNorm = 1.0
        public var maxNewTokens = 24
        public var evaluationCount = 256
        public var lora = LoRASettings.seed000
        public init() {}
        public var groupSize: Int { temperatures.count }
    }

    public let task: any SingleTurnTask
    public let hyperparameters: Hyperparameters
    public let reward: ResponseReward
    public private(set) var run: PolicyRun

    public var model: VisionLanguageModel<Float> { run.model }
    public var completedSteps: Int { run.completedSteps }

    /// - Throws: `invalidArgument` when the temperature and top-p lists differ in length or are
    ///   empty; the warm start's and checkpoint's errors.
    public init(task: any SingleTurnTask, hyperparameters h: Hyperparameters, warmStart: String, seed: UInt64,
                configuration: JSONValue, checkpoint: String?, reward: @escaping ResponseReward) throws {
        guard h.groupSize >= 1, h.topP.count == h.groupSize else {
            throw InputError.invalidArgument(argument: "top_p", reason: "needs one value per temperature (\(h.groupSize))")
        }
        self.task = task
        self.hyperparameters = h
        self.reward = reward
        let optimizer = ParameterGroupOptimizer<Float>(
            adam: AdamConfiguration(algorithm: .adamw),
            groups: [ParameterGroup(name: "policy", learningRate: h.learningRate, weightDecay: 0) { _ in true }],
            maxGradientNorm: h.maxGradientNorm)
        run = try PolicyRun(warmStart: warmStart, checkpoint: checkpoint, optimizer: optimizer, lora: h.lora, valueHeadWidths: nil,
                            seed: seed, configuration: configuration)
    }

    /// A GRPO rollout: G samples per prompt (rows grouped consecutively), scores and advantages.
    public struct Rollout {
        public var examples: [TaskExample]
        public var responses: [GeneratedResponse]
        public var scores: Tensor<Float>
        public var advantages: Tensor<Float>
        public var batch: ModelBatch<Float>
        public var mask: Tensor<Float>
        public var temperatures: SamplingTemperature
        public var oldLogProbs: Tensor<Float>
        public var referenceLogProbs: Tensor<Float>?

        /// The fraction of groups (consecutive runs of `groupSize` rows) whose scores are all equal: their
        /// advantages are 0, so they contribute no gradient to the clipped objective.
        public func flatGroupFraction(groupSize: Int) -> Double {
            let starts = Array(stride(from: 0, to: scores.count, by: groupSize))
            let flat = starts.filter { start in scores.elements[start..<start + groupSize].allSatisfy { $0 == scores.elements[start] } }
            return Double(flat.count) / Double(starts.count)
        }
    }

    public mutating func rollout() throws -> Rollout {
        let h = hyperparameters
        let examples = task.examples(count: h.prompts, generator: &run.generators["data"]!)
        let rows = examples.flatMap { Array(repeating: $0, count: h.groupSize) }
        let temperatures = examples.flatMap { _ in h.temperatures }, topP = examples.flatMap { _ in h.topP }
        let responses = try run.format.generate(
            run.model, observations: rows.map(\.observation),
            options: run.format.decodingOptions(maxNewTokens: h.maxNewTokens, sampling: .init(temperatures: temperatures, topK: 0, topP: topP)),
            generator: &run.generators["sampling"]!)
        let scores = try Tensor<Float>(shape: [rows.count], elements: zip(rows, responses).map { Float(try reward($0, $1.text)) },
                                       argument: "scores")
        let advantages = try groupNormalizedAdvantages(scores, grouping: .consecutive(size: h.groupSize), normalization: h.normalization)
        let (batch, mask) = try run.format.sequenceBatch(rows.map(\.observation), responses: responses.map(\.tokens), as: Float.self)
        var context = ForwardContext.evaluation
        let temperature = SamplingTemperature.perSequence(temperatures)
        let old = try run.model.score(batch, mask: mask, temperature: temperature, context: &context)
        let ref = h.loss.klCoef > 0 ? try run.reference.score(batch, mask: mask, temperature: temperature, context: &context).logProbs : nil
        return Rollout(examples: rows, responses: responses, scores: scores, advantages: advantages, batch: batch, mask: mask,
                       temperatures: temperature, oldLogProbs: old.logProbs, referenceLogProbs: ref)
    }

    public mutating func step() throws -> [(name: String, value: Double)] {
        let h = hyperparameters
        let rollout = try rollout()
        run.model.zeroGradients()
        var metrics: [(name: String, value: Double)] = []
        switch h.objective {
        case .clipped:
            let scores = try run.trainingScores(rollout.batch, mask: rollout.mask, temperature: rollout.temperatures)
            let batch = try GRPOTokenBatch(logProbs: scores.logProbs, oldLogProbs: rollout.oldLogProbs, advantages: rollout.advantages,
                                           refLogProbs: rollout.referenceLogProbs, mask: rollout.mask)
            let loss = try grpoClippedLoss(batch, configuration: h.loss)
            let gradient = try grpoClippedLossBackward(batch, configuration: h.loss)
            try run.model.backward(scores, logProbsGradient: gradient, entropyGradient: nil)
            metrics.append(("loss", Double(loss.loss)))
            metrics.append(("entropy", Double(LossAggregation.tokenMean.aggregate(scores.entropy, mask: rollout.mask))))
        case .seedLiteral:
            // Seed 003 Algorithm 1: the supervised loss on the reference answers, scaled by the mean
            // normalised reward of the samples (whose own log-probabilities get no gradient).
            let unique = stride(from: 0, to: rollout.examples.count, by: h.groupSize).map { rollout.examples[$0] }
            let (mleBatch, mleMask) = try run.format.sequenceBatch(unique.map(\.observation),
                                                                   responses: unique.map { run.format.responseTokens($0.answer) },
                                                                   as: Float.self)
            let mle = try run.trainingScores(mleBatch, mask: mleMask, temperature: .shared(1))
            let arguments = (scores: rollout.scores, grouping: SampleGrouping.consecutive(size: h.groupSize))
            let loss = try seedLiteralGRPOLoss(scores: arguments.scores, grouping: arguments.grouping, normalization: h.normalization,
                                               mleLogProbs: mle.logProbs, mleMask: mleMask, sampleLogProbs: rollout.oldLogProbs)
            let gradient = try seedLiteralGRPOLossBackward(scores: arguments.scores, grouping: arguments.grouping,
                                                           normalization: h.normalization, mleLogProbs: mle.logProbs, mleMask: mleMask,
                                                           sampleLogProbs: rollout.oldLogProbs)
            try run.model.backward(mle, logProbsGradient: gradient.mleLogProbs, entropyGradient: nil)
            metrics.append(("loss", Double(loss.loss)))
            metrics.append(("mle_loss", Double(loss.mleLoss)))
        }
        let gradientNorm = Double(try run.optimizer.step(&run.model))
        run.completedSteps += 1
        let n = Double(rollout.scores.count)
        let mean = Double(rollout.scores.elements.reduce(0, +)) / n
        let spread = rollout.scores.elements.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        return [("reward", mean), ("reward_std", spread.squareRoot()), ("flat_groups", rollout.flatGroupFraction(groupSize: h.groupSize))]
            + metrics
            + [("grad_norm", gradientNorm), ("response_tokens", Double(rollout.mask.elements.reduce(0, +)) / n)]
    }

    /// The task's metrics and the mean composite reward of greedy answers to the validation examples,
    /// then that of the G answers sampled with the training temperatures and top-p (`sampled_reward`).
    public func evaluate(split: DataSplit) throws -> [(name: String, value: Double)] {
        let h = hyperparameters
        let sampling = zip(h.temperatures, h.topP).map { DecodingOptions.Sampling(temperature: $0, topP: $1) }
        return try run.evaluate(task, split: split, count: h.evaluationCount, maxNewTokens: h.maxNewTokens, reward: reward)
            + [("sampled_reward", try run.sampledReward(task, split: split, count: h.evaluationCount, maxNewTokens: h.maxNewTokens,
                                                        sampling: sampling, reward: reward))]
    }

    public func samples(count: Int) throws -> [Sample] {
        try run.samples(task, count: count, maxNewTokens: hyperparameters.maxNewTokens, reward: reward)
    }

    public func saveCheckpoint(to folder: String) throws { try run.saveCheckpoint(to: folder) }
}

extension GRPOTrainer: RecipeTrainer {
    public mutating func evaluate() throws -> [(name: String, value: Double)] { try evaluate(split: .validation) }
    public mutating func samples() throws -> [Sample] { try samples(count: 4) }
}
