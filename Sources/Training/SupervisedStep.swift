import Models
import RLAlgorithms
import Tensor

/// One supervised (teacher-forced cross-entropy) update, the warm start every RL run begins from:
/// L = −aggregate(log π(x_{t+1} | x_{≤t}), mask) with the log-probabilities of Specs/TokenLogProbs.md
/// and the aggregation of Specs/PPOPolicyLoss.md PPOPolicyLoss-4 (token mean by default), then one
/// optimiser step. Dropout masks come from `context`. Returns the loss before the update.
@_specialize(where T == Float)
public func supervisedStep<T: Scalar>(
    _ model: inout VisionLanguageModel<T>, optimizer: inout ParameterGroupOptimizer<T>, batch: ModelBatch<T>,
    mask: Tensor<T>? = nil, aggregation: LossAggregation = .tokenMean, context: inout ForwardContext
) throws -> T {
    model.zeroGradients()
    let scores = try model.score(batch, mask: mask, context: &context)
    let loss = -aggregation.aggregate(scores.logProbs, mask: scores.mask)
    let gradient = aggregation.weights(mask: scores.mask).map { -$0 }
    try model.backward(scores, logProbsGradient: gradient, entropyGradient: nil)
    try optimizer.step(&model)
    return loss
}
