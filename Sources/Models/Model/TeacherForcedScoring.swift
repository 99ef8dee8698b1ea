import RLAlgorithms
import Tensor

/// Per-token scores of a teacher-forced batch (Specs/Model.md Model-16): position t of row b scores
/// token t+1 from the prefix ≤ t, so every output is [B, T−1].
public struct TokenScores<T: Scalar>: Sendable {
    /// log π(x_{t+1} | x_{≤t}) (0 at unscored positions).
    public var logProbs: Tensor<T>
    /// Entropy of π(· | x_{≤t}) (0 at unscored positions).
    public var entropy: Tensor<T>
    /// The value head on the hidden state at t (nil without a value head).
    public var values: Tensor<T>?
    /// [B, T−1] 0/1: which positions were scored.
    public var mask: Tensor<T>
    public var pass: VisionLanguageModel<T>.ForwardPass
    var shiftedLogits: Tensor<T>
    var targets: TokenIDs
    var temperature: SamplingTemperature
    var valueCache: ValueHead<T>.Cache?
}

extension VisionLanguageModel {
    /// Scores a batch: forward pass, then log-probabilities and entropies through
    /// `tokenLogProbs` (Specs/TokenLogProbs.md, one implementation) and values from the value head.
    /// `mask` [B, T−1] chooses the scored positions (default: those whose target token is not
    /// padding); `temperature` divides the logits as TokenLogProbs-1 defines.
    @_specialize(where T == Float)
    public func score(_ batch: ModelBatch<T>, mask: Tensor<T>? = nil, temperature: SamplingTemperature = .shared(1),
                      context: inout ForwardContext) throws -> TokenScores<T> {
        let pass = try forward(batch, context: &context)
        let (rows, length, vocabulary) = (batch.rows, batch.length, configuration.text.vocabularySize)
        guard length >= 2 else { throw InputError.outOfRange(argument: "input_ids", value: Double(length), range: "sequence length [2, ∞) to score a token") }
        let steps = length - 1
        var shifted = pool.makeTensor(shape: [rows, steps, vocabulary])
        for b in 0..<rows {
            let source = b * length * vocabulary, target = b * steps * vocabulary
            shifted.elements.replaceSubrange(target..<(target + steps * vocabulary),
                                             with: pass.logits.elements[source..<(source + steps * vocabulary)])
        }
        pool.keep(shifted)
        let targets = try TokenIDs(shape: [rows, steps], ids: batch.tokens.flatMap { $0.dropFirst() })
        var scored = Tensor<T>(shape: [rows, steps])
        if let mask {
            guard mask.shape == [rows, steps] else { throw InputError.shapeMismatch(argument: "mask", expected: [rows, steps], actual: mask.shape) }
            scored = mask
        } else {
            for b in 0..<rows { for t in 0..<steps where batch.attentionMask[b][t + 1] { scored[b, t] = 1 } }
        }
        let r = try tokenLogProbs(logits: shifted, tokens: targets, mask: scored, temperature: temperature)
        var values: Tensor<T>?, valueCache: ValueHead<T>.Cache?
        if let valueHead {
            var context = ForwardContext.evaluation
            let (v, cache) = valueHead.forward(stepRows(pass.hidden, rows: rows, length: length), context: &context, pool: pool)
            values = v.reshaped([rows, steps])
            valueCache = cache
        }
        return TokenScores(logProbs: r.logProbs, entropy: r.entropy, values: values, mask: scored, pass: pass,
                           shiftedLogits: shifted, targets: targets, temperature: temperature, valueCache: valueCache)
    }

    /// Backward from ∂L/∂log-probs, ∂L/∂entropy and ∂L/∂values [B, T−1] (what RLAlgorithms' losses
    /// return): accumulates every trainable parameter's gradient; returns ∂L/∂pixels when asked.
    /// - Throws: `shapeMismatch` for a gradient that is not [B, T−1]; `invalidArgument` for a
    ///   values gradient without a value head.
    @discardableResult
    @_specialize(where T == Float)
    public mutating func backward(_ scores: TokenScores<T>, logProbsGradient: Tensor<T>?, entropyGradient: Tensor<T>?,
                                  valuesGradient: Tensor<T>? = nil, needsPixelGradient: Bool = false) throws -> Tensor<T>? {
        let (rows, length, vocabulary) = (scores.pass.batch.rows, scores.pass.batch.length, configuration.text.vocabularySize)
        let steps = length - 1
        var dLogits: Tensor<T>?
        if logProbsGradient != nil || entropyGradient != nil {
            let dShifted = try tokenLogProbsBackward(logits: scores.shiftedLogits, tokens: scores.targets, mask: scores.mask,
                                                     temperature: scores.temperature, logProbsGradient: logProbsGradient,
                                                     entropyGradient: entropyGradient)
            var full = pool.makeTensor(shape: [rows, length, vocabulary])
            for b in 0..<rows {
                let target = b * length * vocabulary, source = b * steps * vocabulary
                full.elements.replaceSubrange(target..<(target + steps * vocabulary),
                                              with: dShifted.elements[source..<(source + steps * vocabulary)])
            }
            dLogits = pool.keep(full)
        }
        var dHidden: Tensor<T>?
        if let dValues = valuesGradient {
            guard valueHead != nil, let cache = scores.valueCache else {
                throw InputError.invalidArgument(argument: "values gradient", reason: "the model has no value head")
            }
            guard dValues.shape == [rows, steps] else {
                throw InputError.shapeMismatch(argument: "values gradient", expected: [rows, steps], actual: dValues.shape)
            }
            let dSteps = valueHead!.backward(dValues.reshaped([rows * steps]), cache: cache, pool: pool)
            dHidden = unstepRows(dSteps, rows: rows, length: length)
        }
        return backward(scores.pass, logitsGradient: dLogits, hiddenGradient: dHidden, needsPixelGradient: needsPixelGradient)
    }

    /// Rows t < T−1 of each batch row of a [B·T, D] activation → [B·(T−1), D] (from `pool`).
    func stepRows(_ x: Tensor<T>, rows: Int, length: Int) -> Tensor<T> {
        let d = x.shape[1]
        var out = pool.makeTensor(shape: [rows * (length - 1), d])
        for b in 0..<rows {
            let source = b * length * d, target = b * (length - 1) * d
            out.elements.replaceSubrange(target..<(target + (length - 1) * d), with: x.elements[source..<(source + (length - 1) * d)])
        }
        return pool.keep(out)
    }

    /// The adjoint of `stepRows`: zero rows at t = T−1 (from `pool`).
    func unstepRows(_ x: Tensor<T>, rows: Int, length: Int) -> Tensor<T> {
        let d = x.shape[1]
        var out = pool.makeTensor(shape: [rows * length, d])
        for b in 0..<rows {
            let target = b * length * d, source = b * (length - 1) * d
            out.elements.replaceSubrange(target..<(target + (length - 1) * d), with: x.elements[source..<(source + (length - 1) * d)])
        }
        return pool.keep(out)
    }
}
