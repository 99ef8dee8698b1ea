/// How a points-game formula is evaluated when the player presses `=`.
public enum FormulaEvaluationMode: String, Sendable, CaseIterable {
    /// Exact rational arithmetic on the grammar of Specs/GymCards.md GymCards-3 (the default).
    case exact
    /// The original environment's behaviour: the symbols joined into one string and evaluated as a
    /// Python expression, integers exact, `/` in binary floating point (GymCards-4).
    case rl4vlm
}

/// Why a formula has no value.
public enum FormulaFailure: String, Sendable, Equatable {
    /// No symbols.
    case empty
    /// Not a well-formed expression of the mode's grammar.
    case syntax
    /// A division (or, in `rl4vlm` mode, a floor division or negative power) by zero.
    case divisionByZero
    /// An intermediate value does not fit the arithmetic's 64-bit integers (exact numerators and
    /// denominators; `rl4vlm` integers) or a float overflows: reported, never wrapped.
    case overflow
    /// `rl4vlm` mode: Python would produce a value that is not a real number (a complex power).
    case notReal
    /// `rl4vlm` mode: Python raises `TypeError` (a number called like a function, `(2)(3)`) or the
    /// value is an empty tuple `()`.
    case notANumber
    /// More than `maximumFormulaLength` symbols: not evaluated (no game formula comes close).
    case tooLong
}

/// The value of a formula, or why it has none.
public enum FormulaValue: Equatable, Sendable {
    case rational(Rational)
    /// `rl4vlm` mode: a Python `int`.
    case integer(Int)
    /// `rl4vlm` mode: a Python `float`.
    case float(Double)
    case failure(FormulaFailure)

    /// True when the value equals `target` exactly (Python's `==` between an int or float and an int).
    public func equals(_ target: Int) -> Bool {
        switch self {
        case .rational(let r): r == Rational(target)
        case .integer(let i): i == target
        case .float(let f): f == Double(target)
        case .failure: false
        }
    }
}

/// Parentheses nested deeper than this are a syntax error in both modes (CPython's parser stops at 200
/// nested parentheses too); it also bounds the parsers' recursion.
public let maximumFormulaNesting = 200

/// Formulas with more symbols than this are not evaluated (`FormulaFailure.tooLong`); it bounds the
/// evaluators' recursion on long operator chains.
public let maximumFormulaLength = 10_000

/// Evaluates `tokens` in `mode`. Blanks are ignored in `exact` mode and become spaces in `rl4vlm` mode.
/// Implements Specs/GymCards.md GymCards-3 (exact) and GymCards-4 (rl4vlm).
public func evaluateFormula(_ tokens: [FormulaToken], mode: FormulaEvaluationMode = .exact) -> FormulaValue {
    guard tokens.count <= maximumFormulaLength else { return .failure(.tooLong) }
    switch mode {
    case .exact: return ExactFormulaParser(tokens: tokens.filter { $0 != .blank }).evaluate()
    case .rl4vlm: return PythonExpression.evaluate(tokens.map(\.sourceText).joined())
    }
}

/// Recursive descent over `expression := term (("+" | "-") term)*`, `term := factor (("*" | "/")
/// factor)*`, `factor := number | "(" expression ")"`: binary operators only, no unary sign, and two
/// adjacent numbers are a syntax error (GymCards-3). The whole formula is parsed before an arithmetic
/// failure is reported, so a syntax error anywhere wins over a division by zero (as in Python).
private struct ExactFormulaParser {
    let tokens: [FormulaToken]
    var position = 0
    /// The first division by zero or overflow met; later values are then meaningless and ignored.
    var arithmeticFailure: FormulaFailure?
    var depth = 0

    init(tokens: [FormulaToken]) { self.tokens = tokens }

    private struct SyntaxError: Error {}

    func evaluate() -> FormulaValue {
        guard !tokens.isEmpty else { return .failure(.empty) }
        var parser = self
        guard let value = try? parser.expression(), parser.position == tokens.count else { return .failure(.syntax) }
        if let failure = parser.arithmeticFailure { return .failure(failure) }
        return .rational(value)
    }

    private var next: FormulaToken? { position < tokens.count ? tokens[position] : nil }

    /// `result`, or zero after recording `failure` when `result` is nil.
    private mutating func checked(_ result: Rational?, _ failure: FormulaFailure) -> Rational {
        if let result { return result }
        if arithmeticFailure == nil { arithmeticFailure = failure }
        return Rational(0)
    }

    private mutating func expression() throws -> Rational {
        var value = try term()
        while let op = next, op == .plus || op == .minus {
            position += 1
            let rhs = try term()
            value = checked(op == .plus ? value.adding(rhs) : value.subtracting(rhs), .overflow)
        }
        return value
    }

    private mutating func term() throws -> Rational {
        var value = try factor()
        while let op = next, op == .times || op == .divide {
            position += 1
            let rhs = try factor()
            if op == .times {
                value = checked(value.multiplied(by: rhs), .overflow)
            } else {
                value = checked(value.divided(by: rhs), rhs.isZero ? .divisionByZero : .overflow)
            }
        }
        return value
    }

    private mutating func factor() throws -> Rational {
        switch next {
        case .number(let n)?:
            position += 1
            return Rational(n)
        case .open?:
            position += 1
            depth += 1
            if depth > maximumFormulaNesting { throw SyntaxError() }
            defer { depth -= 1 }
            let value = try expression()
            guard next == .close else { throw SyntaxError() }
            position += 1
            return value
        default:
            throw SyntaxError()
        }
    }
}
