import RLAlgorithms
import Tensor

/// Settings of one `generate` call (Specs/Generation.md): stopping, the processors, and sampling.
public struct DecodingOptions: Sendable, Equatable {
    public var maxNewTokens: Int
    public var minNewTokens = 0
    public var noRepeatNGramSize = 0
    public var eosTokenID: Int?
    public var padTokenID = 0
    /// Ids never generated (Generation-9).
    public var suppressedTokens: [Int] = []
    /// Sampling: per-row temperatures and top-p (one value for every row, or one per row), top-k.
    /// nil: greedy (argmax, ties to the lowest id).
    public var sampling: Sampling?

    public struct Sampling: Sendable, Equatable {
        public var temperatures: [Double]
        public var topK: Int
        public var topP: [Double]

        public init(temperature: Double = 1, topK: Int = 0, topP: Double = 1) {
            self.init(temperatures: [temperature], topK: topK, topP: [topP])
        }

        /// Per-row settings (seed 003: G samples per question at temperatures [0.7, 0.8, 0.9, 1.0]
        /// and top-p [0.9, 0.85, 0.95, 0.8]); a single value applies to every row.
        public init(temperatures: [Double], topK: Int = 0, topP: [Double]) {
            self.temperatures = temperatures; self.topK = topK; self.topP = topP
        }
    }

    public init(maxNewTokens: Int, eosTokenID: Int?, padTokenID: Int = 0) {
        self.maxNewTokens = maxNewTokens; self.eosTokenID = eosTokenID; self.padTokenID = padTokenID
    }

    /// Checks every option for `rows` rows and vocabulary size V; the first problem is a typed error.
    public func validate(rows: Int, vocabularySize v: Int) throws {
        guard maxNewTokens >= 0 else { throw InputError.outOfRange(argument: "max_new_tokens", value: Double(maxNewTokens), range: "[0, ∞)") }
        guard (0..<v).contains(padTokenID) else { throw InputError.outOfRange(argument: "pad_token_id", value: Double(padTokenID), range: "[0, \(v))") }
        if let s = sampling {
            for (name, values) in [("temperature", s.temperatures), ("top_p", s.topP)] where values.count != 1 && values.count != rows {
                throw InputError.shapeMismatch(argument: name, expected: [rows], actual: [values.count])
            }
        }
        try pipeline(rows: rows).validate(rows: rows, vocabularySize: v)
    }

    /// The processors for `rows` rows (sampling adds the warpers).
    public func pipeline(rows: Int) -> LogitsPipeline {
        var p = LogitsPipeline()
        p.noRepeatNGramSize = noRepeatNGramSize
        p.minNewTokens = minNewTokens
        p.eosTokenID = eosTokenID
        p.suppressedTokens = suppressedTokens
        if let s = sampling {
            p.temperatures = s.temperatures.count == 1 ? Array(repeating: s.temperatures[0], count: rows) : s.temperatures
            p.topK = s.topK
            p.topP = s.topP.count == 1 ? Array(repeating: s.topP[0], count: rows) : s.topP
            if p.topP!.allSatisfy({ $0 == 1 }) { p.topP = nil }   // generate adds no top-p warper at 1
            if p.temperatures!.allSatisfy({ $0 == 1 }) { p.temperatures = nil }   // nor a temperature warper at 1
        }
        return p
    }
}

/// What `generate` returns: the prompt followed by the new tokens (rows that stopped are padded), and
/// per new token the log-probability and whether it is real.
public struct DecodingResult: Sendable, Equatable {
    /// [B][L + n]: n is the longest number of new tokens (fewer than `maxNewTokens` when every row stopped).
    public var sequences: [[Int]]
    /// [B][n]: log-softmax of the processed scores at the chosen token — the distribution the token
    /// was drawn from (Generation-7) — 0 after the row stopped.
    public var newTokenLogProbs: [[Double]]
    /// [B][n]: 1 for generated tokens (EOS included), 0 for padding after a row stopped.
    public var newTokenMask: [[Double]]
}

/// Greedy decoding or sampling (Specs/Generation.md Generation-7): at every step the processed scores
/// of each unfinished row give the next token (argmax, or a draw by inverse CDF from `generator`);
/// a row stops after EOS and is padded with `padTokenID`; the loop ends when every row stopped or
/// after `maxNewTokens`. `logits` are the scores after the prompt (from the prefill).
public func generate<M: NextTokenModel>(
    _ model: inout M, prompt: [[Int]], logits initial: Tensor<Double>, options: DecodingOptions,
    generator: inout SeededGenerator
) throws -> DecodingResult {
    let rows = prompt.count
    try options.validate(rows: rows, vocabularySize: model.vocabularySize)
    let pipeline = options.pipeline(rows: rows)
    let promptLength = prompt.first?.count ?? 0
    var sequences = prompt
    var logProbs = Array(repeating: [Double](), count: rows)
    var mask = Array(repeating: [Double](), count: rows)
    var unfinished = Array(repeating: true, count: rows)
    var logits = initial
    let v = model.vocabularySize
    for step in 0..<options.maxNewTokens {
        var scores = logits
        pipeline.apply(&scores, history: sequences, promptLength: promptLength)
        let logSoftmax = scores.logSoftmaxLastAxis()
        var next = [Int](repeating: options.padTokenID, count: rows)
        for b in 0..<rows {
            let row = Array(logSoftmax.elements[(b * v)..<((b + 1) * v)])
            if unfinished[b] {
                next[b] = options.sampling == nil ? argmax(row) : draw(row, using: &generator)
                logProbs[b].append(row[next[b]])
                mask[b].append(1)
            } else {
                logProbs[b].append(0)
                mask[b].append(0)
            }
            sequences[b].append(next[b])
            if next[b] == options.eosTokenID { unfinished[b] = false }
        }
        guard unfinished.contains(true), step + 1 < options.maxNewTokens else { break }
        logits = try model.nextLogits(after: next)
    }
    return DecodingResult(sequences: sequences, newTokenLogProbs: logProbs, newTokenMask: mask)
}

/// The first index of the largest entry (transformers' argmax tie rule).
func argmax(_ row: [Double]) -> Int {
    var best = 0
    for j in row.indices where row[j] > row[best] { best = j }
    return best
}

/// A draw from the distribution exp(row) by inverse CDF with one uniform number of `generator`
/// (Specs/Generation.md: the documented, reproducible sampling rule; torch.multinomial's stream differs).
func draw(_ logProbs: [Double], using generator: inout SeededGenerator) -> Int {
    let u = generator.nextUniform()
    var cumulative = 0.0
    var last = 0
    for (j, lp) in logProbs.enumerated() where lp > -.infinity {
        cumulative += Double.exp(lp)
        last = j
        if u < cumulative { return j }
    }
    return last
}
