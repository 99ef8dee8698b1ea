import Tensor

/// Which rule reads an action from a VLM's output (Specs/ActionParsing.md).
public enum ActionParsingMode: String, Sendable, CaseIterable {
    /// Seed 002's pattern `"action": "a"` read literally (ActionParsing-1).
    case paper
    /// What RL4VLM's `text_projection` computes, quirks included (ActionParsing-2).
    case rl4vlm
}

/// The quote scalars the paper mode accepts around the key and the value.
public enum ActionQuoteSet: String, Sendable, CaseIterable {
    /// U+0022 only.
    case straightDouble = "straight_double"
    /// U+0022, U+201C, U+201D. The default.
    case double
    /// The double quotes plus U+0027, U+2018, U+2019.
    case anyQuote = "any"

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\u{22}": true
        case "\u{201C}", "\u{201D}": self != .straightDouble
        case "\u{27}", "\u{2018}", "\u{2019}": self == .anyQuote
        default: false
        }
    }
}

/// What the paper mode does when several key occurrences name actions.
public enum MultipleMatchPolicy: String, Sendable, CaseIterable {
    /// All occurrences must name the same action, else fall back. The default.
    case unique
    /// The first occurrence's action.
    case first
    /// The last occurrence's action.
    case last
}

/// When the RL4VLM mode reads `"10"` before the substring search.
public enum TenRule: String, Sendable, CaseIterable {
    /// Iff `"10"` is a legal action (the same as RL4VLM's "points" environments for all GymCards lists).
    case auto
    case always
    case never
}

/// Conventions of action parsing (Specs/ActionParsing.md, "Conventions and presets"). Fields of the
/// mode not selected are ignored.
public struct ActionParsingConfiguration: Sendable, Equatable {
    public var mode: ActionParsingMode
    /// Paper mode: compare without case folding.
    public var caseSensitive: Bool
    /// Paper mode: the accepted quote scalars.
    public var quotes: ActionQuoteSet
    /// Paper mode: how several matching occurrences are resolved.
    public var multipleMatches: MultipleMatchPolicy
    /// RL4VLM mode: the `"10"` rule.
    public var tenRule: TenRule

    public init(mode: ActionParsingMode = .paper, caseSensitive: Bool = false, quotes: ActionQuoteSet = .double,
                multipleMatches: MultipleMatchPolicy = .unique, tenRule: TenRule = .auto) {
        self.mode = mode
        self.caseSensitive = caseSensitive
        self.quotes = quotes
        self.multipleMatches = multipleMatches
        self.tenRule = tenRule
    }

    /// Seed 002's pattern: case folded, straight and typographic double quotes, conflicts fall back.
    public static let paper = ActionParsingConfiguration()
    /// RL4VLM `VLM_PPO/a2c_ppo_acktr/rl_utils.py::text_projection`.
    public static let rl4vlm = ActionParsingConfiguration(mode: .rl4vlm, tenRule: .auto)
    /// The presets by their golden-file names.
    public static let presets: [String: ActionParsingConfiguration] = ["paper": .paper, "rl4vlm": .rl4vlm]
}

/// A validated list of legal actions: n ≥ 1 distinct, non-empty strings without leading or trailing
/// White_Space, with their scalars precomputed for repeated parsing.
public struct LegalActions: Sendable {
    /// The actions as given (their spelling is what a parse returns).
    public let actions: [String]
    let scalars: [[Unicode.Scalar]]
    /// The actions case folded (TextNormalization-1).
    let folded: [[Unicode.Scalar]]
    /// Whether two actions coincide after case folding (`Hit`, `hit`).
    let foldedCollide: Bool

    /// - Throws: `empty` for no action, `invalidArgument` for an empty action, one starting or ending
    ///   with a White_Space scalar, or two actions with equal scalars.
    public init(_ actions: [String]) throws {
        guard !actions.isEmpty else { throw InputError.empty(argument: "legal_actions", reason: "no legal action") }
        let scalars = actions.map { Array($0.unicodeScalars) }
        for (i, s) in scalars.enumerated() {
            guard let first = s.first, let last = s.last else {
                throw InputError.invalidArgument(argument: "legal_actions[\(i)]", reason: "is empty")
            }
            if first.properties.isWhitespace || last.properties.isWhitespace {
                throw InputError.invalidArgument(argument: "legal_actions[\(i)]", reason: "starts or ends with white space")
            }
        }
        guard Set(scalars).count == scalars.count else {
            throw InputError.invalidArgument(argument: "legal_actions", reason: "holds the same action twice")
        }
        self.actions = actions
        self.scalars = scalars
        folded = actions.map(lowercasedScalars)
        foldedCollide = Set(folded).count != folded.count
    }
}

/// The result of reading an action from a text. On a fallback the caller draws uniformly from
/// `candidates` (ActionParsing-3, `chosenAction(using:)`).
public struct ActionParse: Sendable, Equatable {
    /// The parsed action's position in the legal list, or nil on a fallback.
    public var index: Int?
    /// The parsed action (the legal list's spelling), or nil on a fallback.
    public var action: String?
    /// The list to draw from uniformly: the legal actions on a fallback, empty when parsed.
    public var candidates: [String]
    /// Diagnostic: paper mode, the action of each matching key occurrence in text order; RL4VLM mode,
    /// the distinct strings found after the key.
    public var matched: [String]

    /// Whether a legal action was read from the text.
    public var parsed: Bool { index != nil }
    /// Whether the action must be drawn from `candidates`.
    public var fallback: Bool { index == nil }

    /// The action to take: the parsed one, or on a fallback `candidates[generator.nextInt(below:
    /// candidates.count)]` (Specs/ActionParsing.md ActionParsing-3, seed 002's `Unif(A)`); the index
    /// is the action's position in the legal list. Draws from `generator` only on a fallback.
    public func chosenAction(using generator: inout SeededGenerator) -> (index: Int, action: String) {
        if let index, let action { return (index, action) }
        let drawn = generator.nextInt(below: candidates.count)
        return (drawn, candidates[drawn])
    }
}

/// Maps a VLM's output text to a legal action, or to a uniform fallback (seed 002, "Post-processing
/// the output text"). `text = nil` (no output) falls back.
///
/// Implements Specs/ActionParsing.md:
/// - ActionParsing-1 (`mode = .paper`): occurrences of `Q "action" Q WS* ":" WS* Q WS* a WS* Q` in the
///   case-folded text (Q a scalar of `quotes`, WS White_Space), the longest legal `a` per occurrence;
///   none → fallback, several resolved by `multipleMatches`;
/// - ActionParsing-2 (`mode = .rl4vlm`): RL4VLM's `text_projection`: the lower-cased text from the first
///   `"action":` (else only its last scalar), `"10"` read and deleted first under the ten rule, then
///   every legal action (unfolded) found as a substring; parsed iff exactly one distinct string is found
///   and it is legal.
/// The fallback draw itself is `ActionParse.chosenAction(using:)` (ActionParsing-3). Strings compare
/// scalar by scalar (no Unicode normalisation). Linear time in the text for a fixed legal list.
/// - Throws: `invalidArgument` when two legal actions coincide after case folding in the
///   case-insensitive paper mode.
public func parseAction(_ text: String?, legalActions: LegalActions,
                        configuration: ActionParsingConfiguration = .paper) throws -> ActionParse {
    let foldsActions = configuration.mode == .paper && !configuration.caseSensitive
    if foldsActions && legalActions.foldedCollide {
        throw InputError.invalidArgument(argument: "legal_actions", reason: "two actions coincide after case folding")
    }
    var index: Int?
    var matched: [String] = []
    if let text {
        switch configuration.mode {
        case .paper:
            let hits = paperModeOccurrences(text, legalActions, configuration)
            matched = hits.map { legalActions.actions[$0] }
            index = switch configuration.multipleMatches {
            case .unique: hits.allSatisfy { $0 == hits.first } ? hits.first : nil
            case .first: hits.first
            case .last: hits.last
            }
        case .rl4vlm:
            (index, matched) = rl4vlmProjection(text, legalActions, configuration.tenRule)
        }
    }
    guard let index else {
        return ActionParse(index: nil, action: nil, candidates: legalActions.actions, matched: matched)
    }
    return ActionParse(index: index, action: legalActions.actions[index], candidates: [], matched: matched)
}

/// ActionParsing-1: the legal index of every matching key occurrence, in text order.
private func paperModeOccurrences(_ text: String, _ legal: LegalActions, _ c: ActionParsingConfiguration) -> [Int] {
    let t = c.caseSensitive ? Array(text.unicodeScalars) : lowercasedScalars(text)
    let actions = c.caseSensitive ? legal.scalars : legal.folded
    let key = Array("action".unicodeScalars)
    let n = t.count
    func skipWhiteSpace(from j: Int) -> Int {
        var j = j
        while j < n && t[j].properties.isWhitespace { j += 1 }
        return j
    }
    // `Q "action" Q` starts at `i`.
    func isQuotedKey(at i: Int) -> Bool {
        i + 7 < n && c.quotes.contains(t[i]) && c.quotes.contains(t[i + 7]) && t[(i + 1)..<(i + 7)].elementsEqual(key)
    }
    var hits: [Int] = []
    for i in 0..<n where isQuotedKey(at: i) {
        var j = skipWhiteSpace(from: i + 8)
        guard j < n, t[j] == ":" else { continue }
        j = skipWhiteSpace(from: j + 1)
        guard j < n, c.quotes.contains(t[j]) else { continue }
        j = skipWhiteSpace(from: j + 1)
        var best: Int?
        for (m, a) in actions.enumerated() where j + a.count <= n && t[j..<(j + a.count)].elementsEqual(a) {
            let k = skipWhiteSpace(from: j + a.count)
            if k < n, c.quotes.contains(t[k]), best.map({ a.count > actions[$0].count }) ?? true { best = m }
        }
        if let best { hits.append(best) }
    }
    return hits
}

/// ActionParsing-2: RL4VLM's `text_projection`; returns the legal index (or nil) and the list C.
private func rl4vlmProjection(_ text: String, _ legal: LegalActions, _ tenRule: TenRule) -> (Int?, [String]) {
    var s = lowercasedScalars(text)
    if let key = s.firstRange(of: Array("\"action\":".unicodeScalars)) {
        s.removeSubrange(..<key.lowerBound)
    } else {
        s = s.last.map { [$0] } ?? []
    }
    let ten = Array("10".unicodeScalars)
    var found: [[Unicode.Scalar]] = []
    let applyTenRule = switch tenRule {
    case .auto: legal.scalars.contains(ten)
    case .always: true
    case .never: false
    }
    if applyTenRule && s.firstRange(of: ten) != nil {
        found.append(ten)
        s = removingEveryOccurrence(of: ten, from: s)
    }
    for a in legal.scalars where !found.contains(a) && s.firstRange(of: a) != nil { found.append(a) }
    let matched = found.map { String(scalars: $0[...]) }
    guard found.count == 1, let index = legal.scalars.firstIndex(of: found[0]) else { return (nil, matched) }
    return (index, matched)
}

/// `s` with every non-overlapping occurrence of `pattern`, found left to right, deleted in one pass
/// (Python's `str.replace(pattern, "")`).
private func removingEveryOccurrence(of pattern: [Unicode.Scalar], from s: [Unicode.Scalar]) -> [Unicode.Scalar] {
    var out: [Unicode.Scalar] = []
    out.reserveCapacity(s.count)
    var i = 0
    while i < s.count {
        if i + pattern.count <= s.count && s[i..<(i + pattern.count)].elementsEqual(pattern) {
            i += pattern.count
        } else {
            out.append(s[i])
            i += 1
        }
    }
    return out
}
