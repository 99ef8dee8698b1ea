import Foundation

/// The subset of Python's expression language that the original points games can spell, evaluated
/// the way CPython does, for the `rl4vlm` compatibility mode (Specs/GymCards.md GymCards-4).
///
/// The source is the formula's symbols joined without separators (a blank is a space), so adjacent
/// numbers merge into one literal (`1`, `2` → `12`), `*` `*` is the power operator and `/` `/` floor
/// division. Grammar (Python's precedence): `expression := term (("+" | "-") term)*`,
/// `term := factor (("*" | "/" | "//") factor)*`, `factor := ("+" | "-") factor | power`,
/// `power := primary ["**" factor]`, `primary := atom ("(" … ")")*`, `atom := integer | "(" expression ")" | "(" ")"`.
/// Integers are exact (`int`), true division and negative powers give binary64 `float`s; mixed
/// operations convert the integer to a float.
enum PythonExpression {
    private enum Token: Equatable {
        case integer(Int)
        case symbol(String)
    }

    private indirect enum Node {
        case integer(Int)
        case emptyTuple
        case call
        case unary(String, Node)
        case binary(String, Node, Node)
    }

    private enum Number {
        case int(Int)
        case float(Double)

        var asDouble: Double {
            switch self {
            case .int(let i): Double(i)
            case .float(let f): f
            }
        }
    }

    private struct Failure: Error { let reason: FormulaFailure }

    static func evaluate(_ source: String) -> FormulaValue {
        guard let tokens = tokenize(source) else { return .failure(.syntax) }
        guard !tokens.isEmpty else { return .failure(.syntax) }
        var parser = Parser(tokens: tokens)
        guard let tree = try? parser.expression(), parser.position == tokens.count else { return .failure(.syntax) }
        do {
            switch try value(of: tree) {
            case .int(let i): return .integer(i)
            case .float(let f): return .float(f)
            }
        } catch let failure as Failure {
            return .failure(failure.reason)
        } catch {
            return .failure(.syntax)
        }
    }

    /// Python's tokenizer on this alphabet: digit runs, the two-character operators `**` and `//`
    /// taken greedily, single-character operators; spaces separate tokens. Nil on any other character
    /// or an integer literal too long for 64 bits.
    private static func tokenize(_ source: String) -> [Token]? {
        let scalars = Array(source.unicodeScalars)
        var tokens: [Token] = []
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == " " { i += 1; continue }
            if ("0"..."9").contains(c) {
                var j = i
                while j < scalars.count, ("0"..."9").contains(scalars[j]) { j += 1 }
                let digits = String(String.UnicodeScalarView(scalars[i..<j]))
                // Python rejects leading zeros in a non-zero decimal literal.
                if digits.count > 1, digits.first == "0", digits.contains(where: { $0 != "0" }) { return nil }
                guard let value = Int(digits) else { return nil }
                tokens.append(.integer(value))
                i = j
                continue
            }
            let pair = i + 1 < scalars.count ? String(String.UnicodeScalarView([c, scalars[i + 1]])) : ""
            if pair == "**" || pair == "//" {
                tokens.append(.symbol(pair))
                i += 2
                continue
            }
            guard "+-*/()".unicodeScalars.contains(c) else { return nil }
            tokens.append(.symbol(String(c)))
            i += 1
        }
        return tokens
    }

    private struct Parser {
        let tokens: [Token]
        var position = 0
        /// Open parentheses and unary signs being parsed; bounded by `maximumFormulaNesting`.
        var depth = 0

        private mutating func descend() throws {
            depth += 1
            if depth > maximumFormulaNesting { throw SyntaxError() }
        }

        struct SyntaxError: Error {}

        private func peek(_ symbol: String) -> Bool {
            position < tokens.count && tokens[position] == .symbol(symbol)
        }

        mutating func expression() throws -> Node {
            var node = try term()
            while peek("+") || peek("-") {
                guard case .symbol(let op) = tokens[position] else { break }
                position += 1
                node = .binary(op, node, try term())
            }
            return node
        }

        mutating func term() throws -> Node {
            var node = try factor()
            while peek("*") || peek("/") || peek("//") {
                guard case .symbol(let op) = tokens[position] else { break }
                position += 1
                node = .binary(op, node, try factor())
            }
            return node
        }

        mutating func factor() throws -> Node {
            if peek("+") || peek("-") {
                guard case .symbol(let op) = tokens[position] else { throw SyntaxError() }
                position += 1
                try descend()
                defer { depth -= 1 }
                return .unary(op, try factor())
            }
            return try power()
        }

        mutating func power() throws -> Node {
            let base = try primary()
            if peek("**") {
                position += 1
                try descend()
                defer { depth -= 1 }
                return .binary("**", base, try factor())
            }
            return base
        }

        mutating func primary() throws -> Node {
            var node = try atom()
            // A call `x(...)` compiles in Python and fails at run time with TypeError.
            while peek("(") {
                position += 1
                try descend()
                defer { depth -= 1 }
                if !peek(")") { _ = try expression() }
                guard peek(")") else { throw SyntaxError() }
                position += 1
                node = .binary("call", node, .call)
            }
            return node
        }

        mutating func atom() throws -> Node {
            guard position < tokens.count else { throw SyntaxError() }
            switch tokens[position] {
            case .integer(let value):
                position += 1
                return .integer(value)
            case .symbol("("):
                position += 1
                try descend()
                defer { depth -= 1 }
                if peek(")") {
                    position += 1
                    return .emptyTuple
                }
                let inner = try expression()
                guard peek(")") else { throw SyntaxError() }
                position += 1
                return inner
            default:
                throw SyntaxError()
            }
        }
    }

    /// Evaluates left operand, then right operand, then the operator, as CPython does.
    private static func value(of node: Node) throws -> Number {
        switch node {
        case .integer(let i):
            return .int(i)
        case .emptyTuple, .call:
            throw Failure(reason: .notANumber)
        case .unary(let op, let operand):
            let v = try value(of: operand)
            if op == "+" { return v }
            switch v {
            case .int(let i):
                let (n, o) = (0).subtractingReportingOverflow(i)
                if o { throw Failure(reason: .overflow) }
                return .int(n)
            case .float(let f):
                return .float(-f)
            }
        case .binary("call", let callee, _):
            _ = try value(of: callee)
            throw Failure(reason: .notANumber)
        case .binary(let op, let lhs, let rhs):
            return try apply(op, try value(of: lhs), try value(of: rhs))
        }
    }

    private static func apply(_ op: String, _ a: Number, _ b: Number) throws -> Number {
        if case .int(let x) = a, case .int(let y) = b { return try applyIntegers(op, x, y) }
        return try applyFloats(op, a.asDouble, b.asDouble)
    }

    private static func applyIntegers(_ op: String, _ x: Int, _ y: Int) throws -> Number {
        func checked(_ r: (partialValue: Int, overflow: Bool)) throws -> Number {
            if r.overflow { throw Failure(reason: .overflow) }
            return .int(r.partialValue)
        }
        switch op {
        case "+": return try checked(x.addingReportingOverflow(y))
        case "-": return try checked(x.subtractingReportingOverflow(y))
        case "*": return try checked(x.multipliedReportingOverflow(by: y))
        case "/":
            if y == 0 { throw Failure(reason: .divisionByZero) }
            // CPython rounds int / int correctly; for |x|, |y| ≤ 2^53 that is one binary64 division.
            return .float(Double(x) / Double(y))
        case "//":
            if y == 0 { throw Failure(reason: .divisionByZero) }
            let (q, o) = x.dividedReportingOverflow(by: y)
            if o { throw Failure(reason: .overflow) }
            return .int((x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q)
        default:  // "**"
            if y < 0 {
                if x == 0 { throw Failure(reason: .divisionByZero) }
                return try applyFloats("**", Double(x), Double(y))
            }
            var result = 1, base = x, exponent = y
            while exponent > 0 {
                if exponent & 1 == 1 { result = try checkedProduct(result, base) }
                exponent >>= 1
                if exponent > 0 { base = try checkedProduct(base, base) }
            }
            return .int(result)
        }
    }

    private static func checkedProduct(_ a: Int, _ b: Int) throws -> Int {
        let (p, o) = a.multipliedReportingOverflow(by: b)
        if o { throw Failure(reason: .overflow) }
        return p
    }

    /// CPython's float operators: `/` and `//` by zero raise, `//` is computed from `fmod` as
    /// `float_floor_div` does, `**` of a negative base to a non-integer power is complex (not real),
    /// `0.0 ** negative` raises, and a finite power that overflows raises.
    private static func applyFloats(_ op: String, _ x: Double, _ y: Double) throws -> Number {
        switch op {
        case "+": return .float(x + y)
        case "-": return .float(x - y)
        case "*": return .float(x * y)
        case "/":
            if y == 0 { throw Failure(reason: .divisionByZero) }
            return .float(x / y)
        case "//":
            if y == 0 { throw Failure(reason: .divisionByZero) }
            var mod = fmod(x, y)
            var div = (x - mod) / y
            if mod != 0 {
                if (y < 0) != (mod < 0) {
                    mod += y
                    div -= 1
                }
            }
            if div != 0 {
                var floorDiv = div.rounded(.down)
                if div - floorDiv > 0.5 { floorDiv += 1 }
                return .float(floorDiv)
            }
            return .float(Double(signOf: x / y, magnitudeOf: 0))
        default:  // "**"
            if y == 0 { return .float(1) }
            if x == 0 {
                if y < 0 { throw Failure(reason: .divisionByZero) }
                return .float(0)
            }
            if x < 0 && y.rounded() != y { throw Failure(reason: .notReal) }
            let result = pow(x, y)
            if result.isInfinite && x.isFinite && y.isFinite { throw Failure(reason: .overflow) }
            return .float(result)
        }
    }
}
