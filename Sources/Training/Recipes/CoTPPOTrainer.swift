import Generation
import Models
import RLAlgorithms
import Tasks
import Tensor
import Verification

/// PPO over environment steps with the λ-scaled chain-of-thought log-probability (seed 002, RL4VLM):
/// at every step each of `environments` parallel environments shows an observation, the policy
/// answers `{"thoughts": ..., "action": ...}`, the action is parsed (Specs/ActionParsing.md, uniform
/// random fallback) and played. The action's log-probability is S = λ·θ + α over the thought and
/// action tokens (Specs/CoTLogProb.md CoTLogProb-1/2), the value is the value head at the last prompt
/// token, advantages are GAE over environment steps with terminations and truncations (Specs/GAE.md),
/// and the update is the sequence-level clipped loss (CoTLogProb-5) plus the value loss
/// (Specs/ValueLoss.md).
public struct CoTPPOTrainer {
    public struct Hyperparameters: Sendable {
        public var environments = 8
        /// Environment steps per environment per update.
        public var stepsPerUpdate = 8
        public var epochs = 2
        public var thoughtCoefficient = 0.5
        public var clipEpsilon = 0.1
        /// RL4VLM's γ 0.9, λ 0.95 and whole-rollout advantage normalisation (A − mean)/(std + 1e-5)
        /// (`GAEConfiguration.rl4vlm`), except that truncated steps bootstrap from the value they reached.
        public var gae: GAEConfiguration = {
            var g = GAEConfiguration.rl4vlm
            g.truncationAsTermination = false
            return g
        }()
        public var valueCoefficient = 0.5
        public var value = ValueLossConfiguration.paper
        /// Measured from the micro NumberLine warm start (1,500 steps): 2e-4 with the cosine decay below
        /// reaches success 1.0 within 100 updates and keeps the JSON reply format; 5e-4 starts to break
        /// the format around update 100, 1e-3 within 25 (README, "Results").
        public var policyLearningRate = 2e-4
        public var valueLearningRate = 1e-3
        /// Both learning rates fall to 0 along half a cosine over this many updates (Specs/Optimizers.md
        /// Optimizers-7, counted in optimiser steps: updates × epochs), as RL4VLM anneals its learning rate
        /// with a cosine (`CosineAnnealingLR`, 1e-5 → 1e-9 over its 25 updates); nil keeps them constant.
        public var decayUpdates: Int? = 200
        public var maxGradientNorm = 1.0
        /// RL4VLM's scripts sample at 0.2.
        public var temperature = 0.2
        public var maxNewTokens = 40
        public var parsing = ActionParsingConfiguration.paper
        public var evaluationCount = 100
        public var lora = LoRASettings.seed000
        /// Train the vision tower and projector with the adapters (RL4VLM's `--train-vision all`).
        public var trainVision = true
        public var valueHeadWidths = [128, 128]
        public init() {}
    }

    public let task: any EpisodeTask
    public let hyperparameters: Hyperparameters
    public private(set) var run: PolicyRun
    /// The running environments and their current observations. They are not part of a checkpoint: a
    /// resumed run starts fresh episodes (drawn from the restored "data" generator), so it is
    /// reproducible but not identical to an uninterrupted run.
    private var environments: [any EpisodeEnvironment] = []
    private var observations: [Observation] = []

    public var model: VisionLanguageModel<Float> { run.model }
    public var completedSteps: Int { run.completedSteps }

    public init(task: any EpisodeTask, hyperparameters h: Hyperparameters, warmStart: String, seed: UInt64,
                configuration: JSONValue, checkpoint: String?) throws {
        self.task = task
        self.hyperparameters = h
        let decay = h.decayUpdates.map { LearningRateDecay.cosine(totalSteps: $0 * h.epochs) } ?? .constant
        let optimizer = ParameterGroupOptimizer<Float>(adam: AdamConfiguration(algorithm: .adamw), groups: [
            ParameterGroup(name: "value_head", learningRate: h.valueLearningRate, decay: decay, weightDecay: 0) { $0.hasPrefix("value_head.") },
            ParameterGroup(name: "policy", learningRate: h.policyLearningRate, decay: decay, weightDecay: 0) { _ in true },
        ], maxGradientNorm: h.maxGradientNorm)
        run = try PolicyRun(warmStart: warmStart, checkpoint: checkpoint, optimizer: optimizer, lora: h.lora,
                            valueHeadWidths: h.valueHeadWidths, trainVision: h.trainVision, seed: seed, configuration: configuration)
    }

    /// The thought and action masks of response tokens: the action runs from the `action` key to the
    /// last token before `</s>`; the thought is every earlier token.
    /// `actionKey` is the id of `action` (nil: every token is thought); the response tokens start at
    /// column `promptWidth − 1` of the [B, L−1] score layout.
    static func segments(_ responses: [GeneratedResponse], columns: Int, promptWidth: Int, actionKey: Int?,
                         endOfSequence: Int) throws -> CoTSegments<Float> {
        var thought = Tensor<Float>(shape: [responses.count, columns]), action = Tensor<Float>(shape: [responses.count, columns])
        for (b, response) in responses.enumerated() {
            let content = response.tokens.last == endOfSequence ? response.tokens.count - 1 : response.tokens.count
            let start = response.tokens.prefix(content).lastIndex { $0 == actionKey }.map { max(0, $0 - 1) } ?? content
            for t in 0..<content {
                if t < start { thought[b, promptWidth - 1 + t] = 1 } else { action[b, promptWidth - 1 + t] = 1 }
            }
        }
        return try CoTSegments(thoughtMask: thought, actionMask: action)
    }

    struct Transition {
        var observation: Observation
        /// The observation the action led to (before any reset).
        var next: Observation
        var response: GeneratedResponse
        var reward: Double
        var terminated: Bool
        var truncated: Bool
    }

    /// The value head's estimate of each observation (at its last prompt token).
    func values(_ observations: [Observation]) throws -> [Double] {
        let prompt: ModelBatch<Float> = try run.format.promptBatch(observations)
        var context = ForwardContext.evaluation
        let pass = try run.model.forward(prompt, context: &context)
        let hidden = pass.hidden   // [B·L, H]
        let width = run.model.configuration.text.hiddenSize
        var last = Tensor<Float>(shape: [observations.count, width])
        for b in 0..<observations.count {
            let row = (b * prompt.length + prompt.length - 1) * width
            last.elements.replaceSubrange((b * width)..<((b + 1) * width), with: hidden.elements[row..<(row + width)])
        }
        var valueContext = ForwardContext.evaluation
        return run.model.valueHead!.forward(last, context: &valueContext).0.elements.map(Double.init)
    }

    public mutating func step() throws -> [(name: String, value: Double)] {
        let h = hyperparameters
        if environments.isEmpty {
            environments = (0..<h.environments).map { _ in task.makeEnvironment() }
            observations = environments.indices.map { environments[$0].reset(generator: &run.generators["data"]!) }
        }
        var transitions: [[Transition]] = Array(repeating: [], count: h.environments)
        var finished = 0, successes = 0, fallbacks = 0, episodeReturn = 0.0
        var running = Array(repeating: 0.0, count: h.environments)
        for _ in 0..<h.stepsPerUpdate {
            let responses = try run.format.generate(
                run.model, observations: observations,
                options: run.format.decodingOptions(maxNewTokens: h.maxNewTokens, sampling: .init(temperature: h.temperature)),
                generator: &run.generators["sampling"]!)
            for e in 0..<h.environments {
                let legal = try LegalActions(environments[e].legalActions)
                let parse = try parseAction(responses[e].text, legalActions: legal, configuration: h.parsing)
                if parse.fallback { fallbacks += 1 }
                let chosen = parse.chosenAction(using: &run.generators["sampling"]!)
                let outcome = environments[e].step(action: chosen.action, generator: &run.generators["data"]!)
                transitions[e].append(Transition(observation: observations[e], next: outcome.observation, response: responses[e],
                                                 reward: outcome.reward,
                                                 terminated: outcome.terminated, truncated: outcome.truncated))
                running[e] += outcome.reward
                if outcome.terminated || outcome.truncated {
                    finished += 1
                    if outcome.success { successes += 1 }
                    episodeReturn += running[e]
                    running[e] = 0
                    observations[e] = environments[e].reset(generator: &run.generators["data"]!)
                } else {
                    observations[e] = outcome.observation
                }
            }
        }
        // The rollout's tensors, one row per transition; the old log-probabilities and values come from one
        // forward pass. A step's value is the value head at its last prompt token (the position that
        // predicts the first response token).
        let flat = transitions.flatMap { $0 }
        let (batch, mask) = try run.format.sequenceBatch(flat.map(\.observation), responses: flat.map(\.response.tokens), as: Float.self)
        let promptWidth = batch.length - (flat.map(\.response.tokens.count).max() ?? 0)
        let cot = CoTLogProbConfiguration(thoughtCoefficient: h.thoughtCoefficient, clipEpsilon: h.clipEpsilon)
        let segments = try Self.segments(flat.map(\.response), columns: batch.length - 1, promptWidth: promptWidth,
                                         actionKey: run.format.tokenizer.id(of: "action"), endOfSequence: run.format.endOfSequence)
        var context = ForwardContext.evaluation
        let old = try run.model.score(batch, mask: mask, temperature: .shared(h.temperature), context: &context)
        let oldS = try chainOfThoughtLogProbs(old.logProbs, segments: segments, configuration: cot).sequenceLogProbs

        // Bootstrap values: the observation after the last step, and what a truncated step reached (before its reset).
        let lastValues = try values(observations)
        let cut = flat.indices.filter { flat[$0].truncated }
        let cutValues = cut.isEmpty ? [] : try values(cut.map { flat[$0].next })
        let (rows, columns) = (h.environments, h.stepsPerUpdate)
        var rewards = Tensor<Float>(shape: [rows, columns]), valueGrid = Tensor<Float>(shape: [rows, columns])
        var terminated = Tensor<Float>(shape: [rows, columns]), truncated = Tensor<Float>(shape: [rows, columns])
        var truncationValues = Tensor<Float>(shape: [rows, columns])
        for (k, i) in cut.enumerated() { truncationValues.elements[i] = Float(cutValues[k]) }
        for e in 0..<rows {
            for t in 0..<columns {
                let transition = transitions[e][t]
                rewards[e, t] = Float(transition.reward)
                valueGrid[e, t] = old.values![e * columns + t, promptWidth - 1]
                terminated[e, t] = transition.terminated ? 1 : 0
                truncated[e, t] = transition.truncated ? 1 : 0
            }
        }
        let advantages = try generalizedAdvantageEstimates(
            try GAEBatch(rewards: rewards, values: valueGrid, terminated: terminated, truncated: truncated,
                         truncationValues: truncationValues, lastValues: try Tensor(shape: [rows], elements: lastValues.map(Float.init),
                                                                              argument: "last_values")),
            configuration: h.gae)
        let flatAdvantages = try Tensor<Float>(shape: [flat.count], elements: (advantages.whitenedAdvantages ?? advantages.advantages).elements,
                                               argument: "advantages")
        // Values are read at the position that predicts the first response token (the last prompt token).
        var valueMask = Tensor<Float>(shape: mask.shape), returns = Tensor<Float>(shape: mask.shape)
        var oldValues = Tensor<Float>(shape: mask.shape)
        for b in 0..<flat.count {
            valueMask[b, promptWidth - 1] = 1
            returns[b, promptWidth - 1] = advantages.returns.elements[b]
            oldValues[b, promptWidth - 1] = old.values![b, promptWidth - 1]
        }
        var policyLoss = 0.0, valueLossValue = 0.0, gradientNorm = 0.0, clipped = 0.0
        for _ in 0..<h.epochs {
            run.model.zeroGradients()
            let scores = try run.trainingScores(batch, mask: mask, temperature: .shared(h.temperature))
            let s = try chainOfThoughtLogProbs(scores.logProbs, segments: segments, configuration: cot).sequenceLogProbs
            let loss = try sequenceLevelPPOLoss(sequenceLogProbs: s, oldSequenceLogProbs: oldS, advantages: flatAdvantages,
                                                clipEpsilon: h.clipEpsilon)
            let dS = try sequenceLevelPPOLossBackward(sequenceLogProbs: s, oldSequenceLogProbs: oldS, advantages: flatAdvantages,
                                                      clipEpsilon: h.clipEpsilon, lossGradient: 1)
            let dLogProbs = try chainOfThoughtLogProbsBackward(segments: segments, configuration: cot, sequenceGradient: dS)
            let valueBatch = try ValueTokenBatch(values: scores.values!, oldValues: oldValues, returns: returns, mask: valueMask)
            let value = try valueLoss(valueBatch, configuration: h.value)
            let dValues = try valueLossBackward(valueBatch, configuration: h.value, lossGradient: Float(h.valueCoefficient))
            try run.model.backward(scores, logProbsGradient: dLogProbs, entropyGradient: nil, valuesGradient: dValues)
            gradientNorm = Double(try run.optimizer.step(&run.model))
            policyLoss = Double(loss.loss)
            valueLossValue = Double(value.loss)
            clipped = Double(loss.unclipped.filter { !$0 }.count) / Double(flat.count)
        }
        run.completedSteps += 1
        let n = Double(flat.count)
        return [("reward", flat.map(\.reward).reduce(0, +) / n),
                ("success_rate", finished > 0 ? Double(successes) / Double(finished) : .nan),
                ("episode_return", finished > 0 ? episodeReturn / Double(finished) : .nan),
                ("fallback_rate", Double(fallbacks) / n), ("policy_loss", policyLoss), ("value_loss", valueLossValue),
                ("clip_fraction", clipped), ("grad_norm", gradientNorm),
                ("response_tokens", Double(mask.elements.reduce(0, +)) / n)]
    }

    /// The task's validation metrics with greedy responses, then with responses sampled at the training
    /// temperature (`sampled_…`: the policy RL optimises, RL4VLM's evaluation).
    public func evaluate(split: DataSplit) throws -> [(name: String, value: Double)] {
        let h = hyperparameters
        return try run.evaluate(task, split: split, count: h.evaluationCount, maxNewTokens: h.maxNewTokens)
            + run.evaluateSampling(task, split: split, count: h.evaluationCount, maxNewTokens: h.maxNewTokens,
                                   sampling: .init(temperature: h.temperature))
    }

    /// Greedy responses to the first observations of a few validation episodes.
    public func samples(count: Int) throws -> [Sample] {
        var generator = SeededGenerator(seed: run.seed &+ DataSplit.validation.streamOffset)
        let shown = (0..<count).map { _ in
            var environment = task.makeEnvironment()
            return environment.reset(generator: &generator)
        }
        let responses = try run.respond(shown, maxNewTokens: hyperparameters.maxNewTokens)
        return zip(shown, responses).map { Sample(observation: $0, response: $1.text, scores: []) }
    }

    public func saveCheckpoint(to folder: String) throws { try run.saveCheckpoint(to: folder) }
}

extension CoTPPOTrainer: RecipeTrainer {
    public mutating func evaluate() throws -> [(name: String, value: Double)] { try evaluate(split: .validation) }
    public mutating func samples() throws -> [Sample] { try samples(count: 4) }
}
