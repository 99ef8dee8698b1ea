import Tensor

/// The parameters of RL4VLM's token-id rule that splits a generated text into thought and action
/// (Specs/CoTLogProb.md CoTLogProb-3).
public struct RL4VLMMarkerRule: Sendable, Equatable {
    /// The ids of `"action":` (LLaVA-1.6 / Vicuna tokenizer by default; tokenizer-dependent).
    public var actionMarkerIDs: [Int]
    /// Padding id of the output buffer; padded positions are not scored.
    public var padID: Int
    /// Matches needed to use the marker (default 1, RL4VLM since commit 74236ab; 2 before it).
    public var minimumMatches: Int
    /// The fallback splits before the `fallbackTokens`-th last scored position.
    public var fallbackTokens: Int

    public init(actionMarkerIDs: [Int] = [29908, 2467, 1115], padID: Int = 0, minimumMatches: Int = 1,
                fallbackTokens: Int = 4) {
        self.actionMarkerIDs = actionMarkerIDs
        self.padID = padID
        self.minimumMatches = minimumMatches
        self.fallbackTokens = fallbackTokens
    }

    /// `invalidArgument` for an empty marker, `minimumMatches` < 1 or `fallbackTokens` < 1.
    func validateCounts() throws {
        guard !actionMarkerIDs.isEmpty else {
            throw InputError.invalidArgument(argument: "action_marker_ids", reason: "the marker needs at least one id")
        }
        guard minimumMatches >= 1 else {
            throw InputError.invalidArgument(argument: "marker_min_matches", reason: "must be at least 1, got \(minimumMatches)")
        }
        guard fallbackTokens >= 1 else {
            throw InputError.invalidArgument(argument: "fallback_tokens", reason: "must be at least 1, got \(fallbackTokens)")
        }
    }

    /// `outOfRange` for a negative marker id or pad id.
    func validateIDs() throws {
        if let id = actionMarkerIDs.first(where: { $0 < 0 }) {
            throw InputError.outOfRange(argument: "action_marker_ids", value: Double(id), range: "[0, inf)")
        }
        guard padID >= 0 else { throw InputError.outOfRange(argument: "pad_id", value: Double(padID), range: "[0, inf)") }
    }

    /// Thought and action masks of one row of `tokens`, and the row's source.
    ///
    /// Scored positions σ_t = [t ≥ 1 ∧ token_t ≠ pad]. With at least `minimumMatches` occurrences of
    /// the marker, c = (last match) − 1; else, with at least `fallbackTokens` scored positions,
    /// c = t* − 2 for t* the `fallbackTokens`-th last scored position; else the row takes the
    /// constants. A negative c is a Python slice start: c ← max(c + T − 1, 0). Then
    /// τ_t = σ_t·[2 ≤ t ≤ c] and κ_t = σ_t·[t ≥ c + 1].
    func segment<T: Scalar>(row b: Int, of tokens: TokenIDs, into segments: inout CoTSegments<T>) {
        let columns = tokens.columns
        let k = actionMarkerIDs.count
        var scored: [Int] = []
        for t in 1..<max(columns, 1) where tokens[b, t] != padID { scored.append(t) }
        var matches = 0
        var lastMatch = 0
        if columns >= k {
            for m in 0...(columns - k) where (0..<k).allSatisfy({ tokens[b, m + $0] == actionMarkerIDs[$0] }) {
                matches += 1
                lastMatch = m
            }
        }
        var c: Int
        if matches >= minimumMatches {
            c = lastMatch - 1
            segments.sources[b] = .marker
        } else if scored.count >= fallbackTokens {
            c = scored[scored.count - fallbackTokens] - 2
            segments.sources[b] = .fallback
        } else {
            segments.sources[b] = .constants
            return
        }
        if c < 0 { c = max(c + columns - 1, 0) }
        for t in scored {
            if t >= 2 && t <= c { segments.thoughtMask[b, t] = 1 }
            if t >= c + 1 { segments.actionMask[b, t] = 1 }
        }
    }
}

/// Thought and action segments of every row by RL4VLM's rule, a per-row restatement of
/// `llava_evaluate` in token coordinates.
///
/// Implements Specs/CoTLogProb.md CoTLogProb-3 (see `RL4VLMMarkerRule`). `tokens[b, t]` is the
/// padded output buffer; position 0 is never scored. Rows are independent.
/// - Throws: the `invalidArgument` errors of the rule, then `outOfRange` for a negative token,
///   marker or pad id.
public func rl4vlmSegments<T: Scalar>(_ tokens: TokenIDs, rule: RL4VLMMarkerRule = RL4VLMMarkerRule(),
                                      as: T.Type = T.self) throws -> CoTSegments<T> {
    try rule.validateCounts()
    if let i = tokens.ids.firstIndex(where: { $0 < 0 }) {
        throw InputError.outOfRange(argument: "tokens", value: Double(tokens.ids[i]), range: "[0, inf)")
    }
    try rule.validateIDs()
    var segments = CoTSegments<T>(thoughtMask: Tensor(shape: tokens.shape), actionMask: Tensor(shape: tokens.shape),
                                  sources: Array(repeating: .constants, count: tokens.rows))
    for b in 0..<tokens.rows { rule.segment(row: b, of: tokens, into: &segments) }
    return segments
}
