/// One element of a points-game formula: a card number, an operator, a parenthesis, or the blank the
/// original environment appends for a rejected action (Specs/GymCards.md GymCards-2).
public enum FormulaToken: Equatable, Hashable, Sendable {
    case number(Int)
    case plus, minus, times, divide, open, close
    /// Appended when an action is rejected (a card not on the table, or used up): lengthens the
    /// formula without adding a symbol.
    case blank

    /// The token for an action string (`"7"`, `"10"`, `"+"`, `"("`, …); nil for `"="` and anything else.
    public init?(action: String) {
        switch action {
        case "+": self = .plus
        case "-": self = .minus
        case "*": self = .times
        case "/": self = .divide
        case "(": self = .open
        case ")": self = .close
        default:
            guard let value = Int(action), value > 0, String(value) == action else { return nil }
            self = .number(value)
        }
    }

    /// The action spelling (`"10"`, `"*"`); the blank is the empty string.
    public var text: String {
        switch self {
        case .number(let value): String(value)
        case .plus: "+"
        case .minus: "-"
        case .times: "*"
        case .divide: "/"
        case .open: "("
        case .close: ")"
        case .blank: ""
        }
    }

    /// The characters the original environment joins into the string it passes to Python's `eval`
    /// (a blank is one space).
    public var sourceText: String { self == .blank ? " " : text }

    public var isNumber: Bool {
        if case .number = self { return true }
        return false
    }
}

extension Array where Element == FormulaToken {
    /// The formula as the prompt and the image show it: symbols separated by single spaces, blanks
    /// omitted (`8 / ( 3 - 8 / 3 )`).
    public var displayText: String { filter { $0 != .blank }.map(\.text).joined(separator: " ") }
}
