import Generation
import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/Generation.md. With `processor` (Generation-1 … Generation-6): `scores`
/// [B, V] and the processor's options → processed `scores`. With `form` `greedy` (Generation-7) or
/// `beam` (Generation-8): a bigram `table` [V, V], left-padded `input_ids` and `attention_mask` [B, L]
/// and the decoding options → `sequences` and `new_token_log_probs` (greedy) or `sequences_scores`
/// (beam). Not differentiable.
public struct GenerationEvaluator: SpecEvaluator {
    public let spec = "Generation"
    public init() {}

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        if let processor = try inputs.string("processor") { return try process(inputs, processor) }
        guard let form = try inputs.string("form") else { throw InputError.missingInput(argument: "processor") }
        return try decode(inputs, form)
    }

    func ids(_ inputs: GoldenInputs, _ key: String, rows: Int? = nil) throws -> [[Int]] {
        let t: Tensor<Double> = try inputs.tensor(key)
        guard t.rank == 2, rows.map({ $0 == t.shape[0] }) ?? true else {
            throw InputError.shapeMismatch(argument: key, expected: [rows ?? -1, -1], actual: t.shape)
        }
        return try (0..<t.shape[0]).map { b in
            try (0..<t.shape[1]).map { j in
                let x = t[b, j]
                guard x == x.rounded(), abs(x) < 1e15 else { throw InputError.invalidArgument(argument: key, reason: "holds a non-integer") }
                return Int(x)
            }
        }
    }

    /// A number or [B] per-row values.
    func perRow(_ inputs: GoldenInputs, _ key: String, rows: Int) throws -> [Double] {
        let t: Tensor<Double> = try inputs.tensor(key)
        switch t.shape {
        case []: return Array(repeating: t.elements[0], count: rows)
        case [rows]: return t.elements
        default: throw InputError.shapeMismatch(argument: key, expected: [rows], actual: t.shape)
        }
    }

    /// The `suppress_tokens` list (Generation-9).
    func suppressed(_ inputs: GoldenInputs) throws -> [Int] {
        let t: Tensor<Double> = try inputs.tensor("suppress_tokens")
        guard t.rank == 1 else { throw InputError.shapeMismatch(argument: "suppress_tokens", expected: [-1], actual: t.shape) }
        return try t.elements.map { x in
            guard x == x.rounded(), abs(x) < 1e15 else { throw InputError.invalidArgument(argument: "suppress_tokens", reason: "holds a non-integer") }
            return Int(x)
        }
    }

    func integer(_ inputs: GoldenInputs, _ key: String) throws -> Int {
        guard let n = try inputs.integer(key) else { throw InputError.missingInput(argument: key) }
        return n
    }

    func process(_ inputs: GoldenInputs, _ processor: String) throws -> Outputs {
        var scores: Tensor<Double> = try inputs.tensor("scores")
        guard scores.rank == 2, scores.shape.allSatisfy({ $0 > 0 }) else {
            throw InputError.shapeMismatch(argument: "scores", expected: [-1, -1], actual: scores.shape)
        }
        let rows = scores.shape[0]
        let history = inputs.contains("input_ids") ? try ids(inputs, "input_ids", rows: rows) : Array(repeating: [], count: rows)
        let promptLength = try inputs.integer("prompt_length") ?? 0
        var pipeline = LogitsPipeline()
        pipeline.eosTokenID = try inputs.integer("eos_token_id")
        switch processor {
        case "temperature": pipeline.temperatures = try perRow(inputs, "temperature", rows: rows)
        case "top_k":
            pipeline.topK = try integer(inputs, "top_k")
            guard pipeline.topK >= 1 else { throw InputError.outOfRange(argument: "top_k", value: Double(pipeline.topK), range: "[1, ∞)") }
        case "top_p": pipeline.topP = try perRow(inputs, "top_p", rows: rows)
        case "no_repeat_ngram": pipeline.noRepeatNGramSize = try integer(inputs, "no_repeat_ngram_size")
        case "min_new_tokens": pipeline.minNewTokens = try integer(inputs, "min_new_tokens")
        case "suppress_tokens": pipeline.suppressedTokens = try suppressed(inputs)
        case "pipeline":
            pipeline.suppressedTokens = inputs.contains("suppress_tokens") ? try suppressed(inputs) : []
            pipeline.noRepeatNGramSize = try inputs.integer("no_repeat_ngram_size") ?? 0
            pipeline.minNewTokens = try inputs.integer("min_new_tokens") ?? 0
            pipeline.temperatures = try perRow(inputs, "temperature", rows: rows)
            pipeline.topK = try inputs.integer("top_k") ?? 0
            pipeline.topP = try perRow(inputs, "top_p", rows: rows)
        default: throw InputError.invalidArgument(argument: "processor", reason: "unknown processor \"\(processor)\"")
        }
        try pipeline.validate(rows: rows, vocabularySize: scores.shape[1])
        pipeline.apply(&scores, history: history, promptLength: promptLength)
        return ["scores": OutputValue(scores)]
    }

    func decode(_ inputs: GoldenInputs, _ form: String) throws -> Outputs {
        let table: Tensor<Double> = try inputs.tensor("table")
        guard table.rank == 2, table.shape[0] == table.shape[1], table.shape[0] > 0 else {
            throw InputError.shapeMismatch(argument: "table", expected: [-1, -1], actual: table.shape)
        }
        let prompt = try ids(inputs, "input_ids")
        if inputs.contains("attention_mask") {
            let mask: Tensor<Double> = try inputs.tensor("attention_mask")
            guard mask.shape == [prompt.count, prompt.first?.count ?? 0] else {
                throw InputError.shapeMismatch(argument: "attention_mask", expected: [prompt.count, prompt.first?.count ?? 0], actual: mask.shape)
            }
        }
        let v = table.shape[0]
        if let bad = prompt.joined().first(where: { !(0..<v).contains($0) }) {
            throw InputError.outOfRange(argument: "input_ids", value: Double(bad), range: "[0, \(v))")
        }
        var options = DecodingOptions(maxNewTokens: try integer(inputs, "max_new_tokens"), eosTokenID: try inputs.integer("eos_token_id"),
                                      padTokenID: try inputs.integer("pad_token_id") ?? 0)
        options.minNewTokens = try inputs.integer("min_new_tokens") ?? 0
        options.noRepeatNGramSize = try inputs.integer("no_repeat_ngram_size") ?? 0
        var model = BigramModel(table: table)
        let first = model.nextLogits(after: prompt.map { $0.last ?? 0 })
        func idsJSON(_ rows: [[Int]]) -> OutputValue { .json(.array(rows.map { .array($0.map { .number(Double($0)) }) })) }
        switch form {
        case "greedy":
            var generator = SeededGenerator(seed: 0)
            let r = try generate(&model, prompt: prompt, logits: first, options: options, generator: &generator)
            return ["sequences": idsJSON(r.sequences),
                    "new_token_log_probs": OutputValue(try Tensor(shape: [prompt.count, r.newTokenLogProbs.first?.count ?? 0],
                                                                  elements: r.newTokenLogProbs.flatMap { $0 }))]
        case "beam":
            var beam = BeamSearchOptions(beams: try integer(inputs, "num_beams"), decoding: options)
            beam.lengthPenalty = try inputs.number("length_penalty") ?? 1
            switch inputs.object["early_stopping"] {
            case .bool(true)?: beam.earlyStopping = .yes
            case .bool(false)?, nil: beam.earlyStopping = .no
            case .string("never")?: beam.earlyStopping = .never
            default: throw InputError.invalidArgument(argument: "early_stopping", reason: "must be true, false or \"never\"")
            }
            let r = try beamSearch(&model, prompt: prompt, logits: first, options: beam)
            return ["sequences": idsJSON(r.sequences), "sequences_scores": OutputValue(Tensor(r.scores))]
        default: throw InputError.invalidArgument(argument: "form", reason: "unknown form \"\(form)\"")
        }
    }
}
