import Generation
import Models
import RLAlgorithms
import Tasks
import Tensor

/// How observations and responses become the model's tokens, for every recipe (README, "Training"):
/// a row is `<s>`, the image placeholder repeated once per image feature, the prompt's words, then
/// the response's words and `</s>`. Batches are left-padded at the prompt so every response starts in
/// the same column, and right-padded after the response; positions count real tokens (what
/// transformers' generation uses), so teacher forcing scores exactly what generation sampled.
public struct PromptFormat: Sendable {
    public let tokenizer: WordLevelTokenizer
    public let configuration: ModelConfiguration

    public init(tokenizer: WordLevelTokenizer, configuration: ModelConfiguration) {
        self.tokenizer = tokenizer
        self.configuration = configuration
    }

    private func id(_ token: String) -> Int {
        // The default special tokens are in every tokenizer RLRef builds (WordLevelTokenizer(corpus:)).
        tokenizer.id(of: token) ?? tokenizer.id(of: tokenizer.unknownToken)!
    }

    public var endOfSequence: Int { id(tokenizer.eosToken) }
    public var padding: Int { id(tokenizer.padToken) }

    /// Decoding options for responses: stop at `</s>`, pad with `<pad>`, and never generate another
    /// special token (Specs/Generation.md Generation-9), so a response never holds an image placeholder.
    public func decodingOptions(maxNewTokens: Int, sampling: DecodingOptions.Sampling? = nil) -> DecodingOptions {
        var options = DecodingOptions(maxNewTokens: maxNewTokens, eosTokenID: endOfSequence, padTokenID: padding)
        options.sampling = sampling
        options.suppressedTokens = tokenizer.specialTokens.compactMap { tokenizer.id(of: $0) }.filter { $0 != endOfSequence }
        return options
    }

    /// `<s>`, the image placeholders, the prompt's tokens.
    public func promptTokens(_ prompt: String) -> [Int] {
        [id(tokenizer.bosToken)] + Array(repeating: configuration.imageTokenID, count: configuration.imageTokensPerImage)
            + tokenizer.encode(prompt).ids
    }

    /// The response's tokens followed by `</s>`.
    public func responseTokens(_ response: String) -> [Int] {
        tokenizer.encode(response).ids + [endOfSequence]
    }

    /// The normalised pixels [I, 3, S, S] of the observations' images.
    public func pixels<T: Scalar>(_ observations: [Observation], as: T.Type = T.self) throws -> Tensor<T> {
        let size = configuration.vision.imageSize
        var elements: [T] = []
        elements.reserveCapacity(observations.count * 3 * size * size)
        for observation in observations {
            elements += try ImagePreprocessing.pixelValues(observation.image.image, size: size, as: T.self).elements
        }
        return try Tensor(shape: [observations.count, 3, size, size], elements: elements, argument: "pixel_values")
    }

    /// Left-padded prompts: the batch to prefill generation with.
    public func promptBatch<T: Scalar>(_ observations: [Observation], as: T.Type = T.self) throws -> ModelBatch<T> {
        let prompts = observations.map { promptTokens($0.prompt) }
        let width = prompts.map(\.count).max() ?? 0
        let tokens = prompts.map { Array(repeating: padding, count: width - $0.count) + $0 }
        let mask = prompts.map { Array(repeating: false, count: width - $0.count) + Array(repeating: true, count: $0.count) }
        return ModelBatch(tokens: tokens, attentionMask: mask, positions: Self.cumulativePositions(mask),
                          pixels: try pixels(observations, as: T.self))
    }

    /// Prompt and response rows for teacher forcing: the batch and the mask [B, L−1] of the positions
    /// that predict a response token (its `</s>` included).
    /// - Throws: `shapeMismatch` when the counts differ; the image preprocessing's errors.
    public func sequenceBatch<T: Scalar>(_ observations: [Observation], responses: [[Int]], as: T.Type = T.self)
        throws -> (batch: ModelBatch<T>, responseMask: Tensor<T>) {
        guard observations.count == responses.count else {
            throw InputError.shapeMismatch(argument: "responses", expected: [observations.count], actual: [responses.count])
        }
        let prompts = observations.map { promptTokens($0.prompt) }
        let promptWidth = prompts.map(\.count).max() ?? 0
        let responseWidth = responses.map(\.count).max() ?? 0
        var tokens: [[Int]] = [], mask: [[Bool]] = []
        var scored = Tensor<T>(shape: [responses.count, promptWidth + responseWidth - 1])
        for (b, (prompt, response)) in zip(prompts, responses).enumerated() {
            let leading = promptWidth - prompt.count, trailing = responseWidth - response.count
            tokens.append(Array(repeating: padding, count: leading) + prompt + response + Array(repeating: padding, count: trailing))
            mask.append(Array(repeating: false, count: leading) + Array(repeating: true, count: prompt.count + response.count)
                        + Array(repeating: false, count: trailing))
            for t in 0..<response.count { scored[b, promptWidth - 1 + t] = 1 }
        }
        let batch = ModelBatch(tokens: tokens, attentionMask: mask, positions: Self.cumulativePositions(mask),
                               pixels: try pixels(observations, as: T.self))
        return (batch, scored)
    }

    /// Responses generated for `observations` (tokens up to and including `</s>` when emitted) with
    /// their texts (`responseText`) and per-token log-probabilities under the processed distribution.
    @_specialize(where T == Float)
    public func generate<T: Scalar>(_ model: VisionLanguageModel<T>, observations: [Observation], options: DecodingOptions,
                                    generator: inout SeededGenerator) throws -> [GeneratedResponse] {
        let prompt: ModelBatch<T> = try promptBatch(observations)
        var (decoder, logits) = try IncrementalDecoder.prefill(model, prompt: prompt, maxNewTokens: options.maxNewTokens)
        let result = try Generation.generate(&decoder, prompt: prompt.tokens, logits: logits.converted(to: Double.self),
                                             options: options, generator: &generator)
        return try (0..<observations.count).map { b in
            let count = Int(result.newTokenMask[b].reduce(0, +))
            let ids = Array(result.sequences[b][prompt.length..<(prompt.length + count)])
            return GeneratedResponse(tokens: ids, text: try tokenizer.responseText(ids),
                                     logProbs: Array(result.newTokenLogProbs[b].prefix(count)))
        }
    }

    /// The best beam-search response per observation (Specs/Generation.md Generation-8), as text and
    /// tokens (`</s>` and padding removed). `options.decoding` should come from `decodingOptions`.
    @_specialize(where T == Float)
    public func beamSearch<T: Scalar>(_ model: VisionLanguageModel<T>, observations: [Observation],
                                      options: BeamSearchOptions) throws -> [(tokens: [Int], text: String)] {
        let prompt: ModelBatch<T> = try promptBatch(observations)
        var (decoder, logits) = try IncrementalDecoder.prefill(model, prompt: prompt, maxNewTokens: options.decoding.maxNewTokens)
        let result = try Generation.beamSearch(&decoder, prompt: prompt.tokens, logits: logits.converted(to: Double.self),
                                               options: options)
        return try result.sequences.map { sequence in
            var ids = Array(sequence[prompt.length...])
            if let end = ids.firstIndex(of: endOfSequence) { ids = Array(ids[...end]) }
            return (ids, try tokenizer.responseText(ids))
        }
    }

    /// Greedy responses (the evaluation policy of every recipe).
    public func respond<T: Scalar>(_ model: VisionLanguageModel<T>, observations: [Observation], maxNewTokens: Int) throws -> [GeneratedResponse] {
        var unused = SeededGenerator(seed: 0)
        return try generate(model, observations: observations, options: decodingOptions(maxNewTokens: maxNewTokens), generator: &unused)
    }

    /// Rotary positions that count real tokens (0 for padding before the first one).
    static func cumulativePositions(_ mask: [[Bool]]) -> [[Int]] {
        mask.map { row in
            var seen = 0
            return row.map { valid in defer { if valid { seen += 1 } }; return valid ? seen : 0 }
        }
    }
}

/// One generated response.
public struct GeneratedResponse: Sendable, Equatable {
    /// New tokens, `</s>` included when the model emitted it.
    public var tokens: [Int]
    public var text: String
    /// Log-probability of each new token under the distribution it was drawn from.
    public var logProbs: [Double]
}
