/// Finds formulas that reach a target with every card used once, for the points-game experts
/// (Specs/GymCards.md "Expert policies"). Exact rational arithmetic (GymCards-3).
public struct FormulaSolver: Sendable {
    /// Every spelling of every solving formula the expert will follow, ordered by length, then by
    /// text: minimal parentheses first, then the variants with optional parentheses around a
    /// sub-formula (or the whole), so that a partly typed formula is recognised however it was begun.
    public let solutions: [[FormulaToken]]

    private indirect enum Tree {
        case leaf(Int)
        case node(FormulaToken, Tree, Tree)
    }

    /// - Parameters:
    ///   - numbers: the card values (each used exactly once).
    ///   - operators: the binary operators allowed (`.plus`, `.minus`, `.times`, `.divide`).
    ///   - allowsParentheses: whether optional parentheses variants are produced (required ones always are).
    public init(numbers: [Int], target: Int, operators: [FormulaToken], allowsParentheses: Bool) {
        var solving: [Tree] = []
        Self.search(numbers.map { (Rational($0), Tree.leaf($0)) }, operators: operators, target: Rational(target),
                    into: &solving)
        var found = Set<[FormulaToken]>()
        for tree in solving {
            for spelling in Self.spellings(tree, optionalParentheses: allowsParentheses, isRoot: true) {
                found.insert(spelling)
            }
        }
        solutions = found.sorted { a, b in
            a.count != b.count ? a.count < b.count : a.displayText.unicodeScalars.lexicographicallyPrecedes(b.displayText.unicodeScalars)
        }
    }

    /// The first solution that `formula` (blanks ignored) is a prefix of, or nil when none is.
    public func solution(continuing formula: [FormulaToken]) -> [FormulaToken]? {
        let typed = formula.filter { $0 != .blank }
        return solutions.first { $0.count >= typed.count && Array($0[..<typed.count]) == typed }
    }

    /// Every binary tree over `items` (values carried along, so each node is evaluated once) whose value
    /// is `target`: combine an ordered pair with each operator and recurse. Covers every tree shape and
    /// leaf order; a division by zero or an overflow drops that branch.
    private static func search(_ items: [(value: Rational, tree: Tree)], operators: [FormulaToken], target: Rational,
                               into solving: inout [Tree]) {
        if items.count == 1 {
            if items[0].value == target { solving.append(items[0].tree) }
            return
        }
        for i in items.indices {
            for j in items.indices where j != i {
                var rest: [(value: Rational, tree: Tree)] = []
                rest.reserveCapacity(items.count - 1)
                for k in items.indices where k != i && k != j { rest.append(items[k]) }
                let (a, b) = (items[i].value, items[j].value)
                for op in operators {
                    let combined: Rational?
                    switch op {
                    case .plus: combined = a.adding(b)
                    case .minus: combined = a.subtracting(b)
                    case .times: combined = a.multiplied(by: b)
                    default: combined = b.isZero ? nil : a.divided(by: b)
                    }
                    guard let value = combined else { continue }
                    rest.append((value, .node(op, items[i].tree, items[j].tree)))
                    search(rest, operators: operators, target: target, into: &solving)
                    rest.removeLast()
                }
            }
        }
    }

    private static func precedence(_ op: FormulaToken) -> Int { op == .plus || op == .minus ? 1 : 2 }

    /// Spellings of `tree`: parentheses where precedence requires them, and (when allowed) every choice
    /// of optional parentheses around each inner operation and the root.
    private static func spellings(_ tree: Tree, optionalParentheses: Bool, isRoot: Bool) -> [[FormulaToken]] {
        guard case .node(let op, let left, let right) = tree else {
            if case .leaf(let n) = tree { return [[.number(n)]] }
            return []
        }
        func operandSpellings(_ child: Tree, isRight: Bool) -> [[FormulaToken]] {
            let inner = spellings(child, optionalParentheses: optionalParentheses, isRoot: false)
            guard case .node(let childOp, _, _) = child else { return inner }
            let required = precedence(childOp) < precedence(op)
                || (isRight && precedence(childOp) == precedence(op) && (op == .minus || op == .divide))
            let wrapped = inner.map { [FormulaToken.open] + $0 + [.close] }
            if required { return wrapped }
            return optionalParentheses ? inner + wrapped : inner
        }
        var result: [[FormulaToken]] = []
        for l in operandSpellings(left, isRight: false) {
            for r in operandSpellings(right, isRight: true) {
                result.append(l + [op] + r)
            }
        }
        if isRoot && optionalParentheses { result += result.map { [.open] + $0 + [.close] } }
        return result
    }
}
