import Tensor

/// The logits processors of transformers' `generate` (Specs/Generation.md Generation-1 … Generation-6),
/// on scores [B, V] in Double; a filtered entry becomes −∞. Options are validated where they are set
/// (`DecodingOptions.validate`); the functions here assume valid arguments.
public enum LogitsProcessors {
    /// Generation-1: scores / τ_b (one temperature per row).
    public static func temperature(_ scores: inout Tensor<Double>, _ temperatures: [Double]) {
        let v = scores.shape[1]
        for b in 0..<scores.shape[0] { for j in 0..<v { scores.elements[b * v + j] /= temperatures[b] } }
    }

    /// Generation-2: keeps the entries ≥ the k-th largest of the row (ties at the k-th value stay);
    /// k ≥ V keeps everything.
    public static func topK(_ scores: inout Tensor<Double>, _ k: Int) {
        let v = scores.shape[1]
        guard k < v else { return }
        for b in 0..<scores.shape[0] {
            let row = scores.elements[(b * v)..<((b + 1) * v)]
            let threshold = row.sorted(by: >)[k - 1]
            for j in 0..<v where scores.elements[b * v + j] < threshold { scores.elements[b * v + j] = -.infinity }
        }
    }

    /// Generation-3: sorts the row ascending (ties by index), removes the entries whose cumulative
    /// softmax mass from the bottom is ≤ 1 − p, always keeping the largest (one per row, p_b per row).
    public static func topP(_ scores: inout Tensor<Double>, _ p: [Double]) {
        let v = scores.shape[1]
        for b in 0..<scores.shape[0] {
            let base = b * v
            let order = (0..<v).sorted { (scores.elements[base + $0], $0) < (scores.elements[base + $1], $1) }
            let maximum = scores.elements[base + order[v - 1]]
            var total = 0.0
            var exps = [Double](repeating: 0, count: v)
            for (rank, j) in order.enumerated() {
                exps[rank] = maximum == -.infinity ? 0 : Double.exp(scores.elements[base + j] - maximum)
                total += exps[rank]
            }
            var cumulative = 0.0
            for (rank, j) in order.enumerated() where rank < v - 1 {
                cumulative += exps[rank] / total
                if cumulative <= 1 - p[b] { scores.elements[base + j] = -.infinity }
            }
        }
    }

    /// Generation-4: bans every token that would complete an n-gram already present in the row's
    /// `history` (prompt and padding included, as transformers counts them).
    public static func noRepeatNGram(_ scores: inout Tensor<Double>, history: [[Int]], n: Int) {
        let v = scores.shape[1]
        for (b, tokens) in history.enumerated() where tokens.count + 1 >= n {
            let prefix = Array(tokens.suffix(n - 1))
            guard tokens.count >= n else { continue }
            for start in 0...(tokens.count - n) where Array(tokens[start..<(start + n - 1)]) == prefix {
                let banned = tokens[start + n - 1]
                if (0..<v).contains(banned) { scores.elements[b * v + banned] = -.infinity }
            }
        }
    }

    /// Generation-5: while fewer than `minimum` tokens were generated (the padded prompt width
    /// `promptLength` is skipped, as transformers does), EOS is banned.
    /// Generation-9: the ids in `tokens` get −∞ in every row.
    public static func suppress(_ scores: inout Tensor<Double>, _ tokens: [Int]) {
        let v = scores.shape[1]
        for b in 0..<scores.shape[0] { for t in tokens { scores.elements[b * v + t] = -.infinity } }
    }

    public static func minNewTokens(_ scores: inout Tensor<Double>, currentLength: Int, promptLength: Int, minimum: Int, eos: Int) {
        guard currentLength - promptLength < minimum, (0..<scores.shape[1]).contains(eos) else { return }
        for b in 0..<scores.shape[0] { scores.elements[b * scores.shape[1] + eos] = -.infinity }
    }
}

/// Which processors run, in transformers' order (Generation-6): no-repeat n-gram, minimum new tokens,
/// then — when sampling — temperature, top-k, top-p.
public struct LogitsPipeline: Sendable, Equatable {
    public var noRepeatNGramSize = 0
    public var minNewTokens = 0
    public var eosTokenID: Int?
    /// Generation-9: ids that are never chosen.
    public var suppressedTokens: [Int] = []
    /// Per-row temperatures, nil for none (greedy and beam search do not warp).
    public var temperatures: [Double]?
    public var topK = 0
    /// Per-row top-p, nil for none.
    public var topP: [Double]?

    public init() {}

    /// Checks the options for `rows` rows and V tokens: per-row lists of length `rows`, τ > 0,
    /// p ∈ (0, 1], k ≥ 0 (0: no top-k), n ≥ 0, minimum ≥ 0, EOS in [0, V).
    public func validate(rows: Int, vocabularySize v: Int) throws {
        for (name, values) in [("temperature", temperatures), ("top_p", topP)] {
            if let values, values.count != rows { throw InputError.shapeMismatch(argument: name, expected: [rows], actual: [values.count]) }
        }
        if let t = temperatures?.first(where: { !($0 > 0 && $0.isFinite) }) {
            throw InputError.outOfRange(argument: "temperature", value: t, range: "(0, ∞)")
        }
        if let p = topP?.first(where: { !($0 > 0 && $0 <= 1) }) { throw InputError.outOfRange(argument: "top_p", value: p, range: "(0, 1]") }
        for (name, value) in [("top_k", topK), ("no_repeat_ngram_size", noRepeatNGramSize), ("min_new_tokens", minNewTokens)] where value < 0 {
            throw InputError.outOfRange(argument: name, value: Double(value), range: "[0, ∞)")
        }
        if let bad = suppressedTokens.first(where: { !(0..<v).contains($0) }) {
            throw InputError.outOfRange(argument: "suppress_tokens", value: Double(bad), range: "[0, \(v))")
        }
        if let eos = eosTokenID, !(0..<v).contains(eos) { throw InputError.outOfRange(argument: "eos_token_id", value: Double(eos), range: "[0, \(v))") }
    }

    /// Applies the pipeline to scores [B, V] of rows whose tokens so far are `history` (padded width
    /// `promptLength` at the start).
    public func apply(_ scores: inout Tensor<Double>, history: [[Int]], promptLength: Int) {
        if noRepeatNGramSize > 0 { LogitsProcessors.noRepeatNGram(&scores, history: history, n: noRepeatNGramSize) }
        if minNewTokens > 0, let eos = eosTokenID {
            LogitsProcessors.minNewTokens(&scores, currentLength: history.first?.count ?? 0, promptLength: promptLength,
                                          minimum: minNewTokens, eos: eos)
        }
        if !suppressedTokens.isEmpty { LogitsProcessors.suppress(&scores, suppressedTokens) }
        if let temperatures { LogitsProcessors.temperature(&scores, temperatures) }
        if topK > 0 { LogitsProcessors.topK(&scores, topK) }
        if let topP { LogitsProcessors.topP(&scores, topP) }
    }
}
