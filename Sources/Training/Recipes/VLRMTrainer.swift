import Generation
import Models
import RLAlgorithms
import Tasks
import Tensor
import Verification

/// VLRM's A2C for captioning (seed 004): each step samples one caption per image (top-k 6 at
/// temperature 2), builds per-token returns R = sim + ref − noeos − (suffix sums of bad-phrase and
/// repeat penalties) (Specs/VLRMReturns.md VLRMReturns-5) with ref the frozen warm start's mean token
/// log-probability, and takes one update of the probability-weighted policy loss plus the value loss
/// (Specs/VLRMA2C.md) on the LoRA adapters and a large value head; gradients are clamped
/// element-wise at 1 and the learning rate warms up for 20 steps. Evaluation decodes with beam search
/// (5 beams, 4 to 60 new tokens, no-repeat 2), as the seed does.
public struct VLRMTrainer {
    public struct Hyperparameters: Sendable {
        public var prompts = 16
        public var temperature = 2.0
        public var topK = 6
        public var returns = VLRMReturnsConfiguration.paper
        public var losses = VLRMA2CConfiguration.paper
        public var policyCoefficient = 1.0
        public var valueCoefficient = 1.0
        public var learningRate = 1e-4
        public var warmupSteps = 20
        public var clipValue = 1.0
        public var maxNewTokens = 24
        public var beams = 5
        public var minNewTokens = 4
        public var noRepeatNGramSize = 2
        public var evaluationCount = 128
        public var lora = LoRASettings.seed000
        public var valueHeadWidths = [512, 512]
        public init() {}
    }

    /// sim(image, caption): the reward model's image–caption score.
    public typealias Similarity = @Sendable (TaskExample, String) throws -> Double

    public let task: any SingleTurnTask
    public let hyperparameters: Hyperparameters
    public let similarity: Similarity
    public let rules: VLRMPenaltyRules
    public private(set) var run: PolicyRun

    public var model: VisionLanguageModel<Float> { run.model }
    public var completedSteps: Int { run.completedSteps }

    public init(task: any SingleTurnTask, hyperparameters h: Hyperparameters, warmStart: String, seed: UInt64,
                configuration: JSONValue, checkpoint: String?, rules: VLRMPenaltyRules, similarity: @escaping Similarity) throws {
        self.task = task
        self.hyperparameters = h
        self.similarity = similarity
        self.rules = rules
        let optimizer = ParameterGroupOptimizer<Float>(
            adam: AdamConfiguration(algorithm: .adamw),
            groups: [ParameterGroup(name: "model", learningRate: h.learningRate, warmupSteps: h.warmupSteps, weightDecay: 0) { _ in true }],
            clipValue: h.clipValue)
        run = try PolicyRun(warmStart: warmStart, checkpoint: checkpoint, optimizer: optimizer, lora: h.lora,
                            valueHeadWidths: h.valueHeadWidths, seed: seed, configuration: configuration)
    }

    /// A rollout: captions, their per-token returns and penalty flags, the tensors the losses need.
    public struct Rollout {
        public var examples: [TaskExample]
        public var responses: [GeneratedResponse]
        public var similarities: [Double]
        public var returns: [VLRMReturnsResult<Float>]
        public var batch: ModelBatch<Float>
        public var mask: Tensor<Float>
        /// [B, L−1]: each caption's returns at its token positions, 0 elsewhere.
        public var returnTensor: Tensor<Float>
    }

    public mutating func rollout() throws -> Rollout {
        let h = hyperparameters
        let examples = task.examples(count: h.prompts, generator: &run.generators["data"]!)
        let observations = examples.map(\.observation)
        let responses = try run.format.generate(
            run.model, observations: observations,
            options: run.format.decodingOptions(maxNewTokens: h.maxNewTokens, sampling: .init(temperature: h.temperature, topK: h.topK)),
            generator: &run.generators["sampling"]!)
        let (batch, mask) = try run.format.sequenceBatch(observations, responses: responses.map(\.tokens), as: Float.self)
        var context = ForwardContext.evaluation
        let ref = try run.reference.score(batch, mask: mask, context: &context)
        var returnTensor = Tensor<Float>(shape: mask.shape)
        var similarities: [Double] = [], returns: [VLRMReturnsResult<Float>] = []
        for (b, (example, response)) in zip(examples, responses).enumerated() {
            let columns = (0..<mask.shape[1]).filter { mask[b, $0] != 0 }
            let layout = try run.format.tokenizer.responseWords(response.tokens)
            let caption = try VLRMCaption(words: layout.words, tokenWordIndex: layout.tokenWordIndex,
                                          endsWithEOS: response.tokens.last == run.format.endOfSequence)
            let sim = try similarity(example, response.text)
            let refLogProbs = try Tensor<Float>(shape: [columns.count], elements: columns.map { ref.logProbs[b, $0] }, argument: "ref")
            let result = try vlrmReturns(caption, sim: Float(sim), ref: .tokenLogProbabilities(refLogProbs), rules: rules,
                                         configuration: h.returns)
            for (k, column) in columns.enumerated() { returnTensor[b, column] = result.returns.elements[k] }
            similarities.append(sim)
            returns.append(result)
        }
        return Rollout(examples: examples, responses: responses, similarities: similarities, returns: returns, batch: batch,
                       mask: mask, returnTensor: returnTensor)
    }

    public mutating func step() throws -> [(name: String, value: Double)] {
        let h = hyperparameters
        let rollout = try rollout()
        run.model.zeroGradients()
        let scores = try run.trainingScores(rollout.batch, mask: rollout.mask, temperature: .shared(1))
        let batch = try VLRMA2CBatch(policy: .logProbs(scores.logProbs), values: scores.values!, returns: rollout.returnTensor,
                                     mask: rollout.mask)
        let losses = try vlrmA2CLosses(batch, configuration: h.losses)
        let gradients = try vlrmA2CLossesBackward(batch, configuration: h.losses, policyLossGradient: Float(h.policyCoefficient),
                                                  valueLossGradient: Float(h.valueCoefficient))
        try run.model.backward(scores, logProbsGradient: gradients.policy, entropyGradient: nil, valuesGradient: gradients.values)
        let gradientNorm = Double(try run.optimizer.step(&run.model))
        run.completedSteps += 1
        let n = Double(rollout.examples.count)
        let bad = rollout.returns.map { Double($0.bad.elements.reduce(0, +)) }.reduce(0, +) / n
        let repeated = rollout.returns.map { Double($0.repeated.elements.reduce(0, +)) }.reduce(0, +) / n
        let noEOS = rollout.returns.map { Double($0.noEOS) }.reduce(0, +) / n
        let firstReturn = rollout.returns.map { Double($0.returns.elements.first ?? 0) }.reduce(0, +) / n
        return [("reward", firstReturn), ("sim", rollout.similarities.reduce(0, +) / n),
                ("policy_loss", Double(losses.policyLoss)), ("value_loss", Double(losses.valueLoss)),
                ("bad_tokens", bad), ("repeat_tokens", repeated), ("no_eos", noEOS), ("grad_norm", gradientNorm),
                ("response_tokens", Double(rollout.mask.elements.reduce(0, +)) / n)]
    }

    /// Beam-search captions, as the seed evaluates.
    public func caption(_ observations: [Observation]) throws -> [String] {
        let h = hyperparameters
        var decoding = run.format.decodingOptions(maxNewTokens: h.maxNewTokens)
        decoding.minNewTokens = h.minNewTokens
        decoding.noRepeatNGramSize = h.noRepeatNGramSize
        return try run.format.beamSearch(run.model, observations: observations,
                                         options: BeamSearchOptions(beams: h.beams, decoding: decoding)).map(\.text)
    }

    public func evaluate(split: DataSplit) throws -> [(name: String, value: Double)] {
        try task.evaluate(split: split, count: hyperparameters.evaluationCount, seed: run.seed) { try caption($0) }
    }

    public func samples(count: Int) throws -> [Sample] {
        let shown = task.evaluationExamples(split: .validation, count: count, seed: run.seed)
        let captions = try caption(shown.map(\.observation))
        return try zip(shown, captions).map { example, text in
            Sample(observation: example.observation, response: text, scores: [("sim", try similarity(example, text))])
        }
    }

    public func saveCheckpoint(to folder: String) throws { try run.saveCheckpoint(to: folder) }
}

extension VLRMTrainer: RecipeTrainer {
    public mutating func evaluate() throws -> [(name: String, value: Double)] { try evaluate(split: .validation) }
    public mutating func samples() throws -> [Sample] { try samples(count: 4) }
}
