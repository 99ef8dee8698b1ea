import Tensor

/// The settings that distinguish EZPoints from Points24 (Specs/GymCards.md GymCards-2 and "Deals").
public struct PointsRules: Equatable, Sendable {
    public enum Deal: Equatable, Sendable {
        /// EZPoints: a first card of rank 2…13 and a second that completes the target by + or × (Specs/GymCards.md "Deals").
        case completingPair
        /// Points24: four independent uniform cards of rank 1…13 (Specs/GymCards.md "Deals").
        case independent(count: Int)
    }

    public var target: Int
    public var deal: Deal
    /// The operator and parenthesis actions after the numbers (`=` comes last).
    public var operators: [FormulaToken]
    /// The formula may hold at most this many symbols (blanks included) before the next action
    /// truncates the episode (the original's `len(formula) > limit` test).
    public var formulaLengthLimit: Int
    /// J, Q, K count as 10 and the number actions are 1…10; otherwise 1…13.
    public var faceCardsCountAsTen: Bool
    /// How `=` evaluates the formula.
    public var evaluation: FormulaEvaluationMode

    /// EZPoints: target 12, actions 1…10 `+` `*` `=`, limit 5 (`gym_cards/envs/ezpoints.py`, `EZPointEnv`).
    public static let ezPoints = PointsRules(target: 12, deal: .completingPair, operators: [.plus, .times],
                                             formulaLengthLimit: 5, faceCardsCountAsTen: true, evaluation: .exact)
    /// Points24: target 24, actions 1…10 `+` `-` `*` `/` `(` `)` `=`, limit 20 (`gym_cards/envs/points.py`, `Point24Env`).
    public static let points24 = PointsRules(target: 24, deal: .independent(count: 4),
                                             operators: [.plus, .minus, .times, .divide, .open, .close],
                                             formulaLengthLimit: 20, faceCardsCountAsTen: true, evaluation: .exact)

    public var cardCount: Int {
        switch deal {
        case .completingPair: 2
        case .independent(let count): count
        }
    }

    var task: GymCardsTask { deal == .completingPair ? .ezPoints : .points24 }
}

/// EZPoints and Points24: build a formula symbol by symbol from the cards on the table and press `=`
/// (Specs/GymCards.md GymCards-2).
public struct PointsEnvironment: CardEnvironment {
    public let rules: PointsRules
    public let legalActions: [String]
    public var task: GymCardsTask { rules.task }

    public private(set) var cards: [PlayingCard] = []
    /// The card values (rank, or 10 for J, Q, K when faces count as ten).
    public private(set) var numbers: [Int] = []
    public private(set) var formula: [FormulaToken] = []
    /// The number actions accepted so far (each uses one card of that value).
    public private(set) var usedNumbers: [Int] = []
    public private(set) var isEpisodeOver = true
    /// The value of the formula at the last `=` (nil before).
    public private(set) var lastEvaluation: FormulaValue?
    private var solver = FormulaSolver(numbers: [], target: 0, operators: [], allowsParentheses: false)

    public init(rules: PointsRules) {
        self.rules = rules
        let maxNumber = rules.faceCardsCountAsTen ? 10 : 13
        legalActions = (1...maxNumber).map(String.init) + rules.operators.map(\.text) + ["="]
    }

    /// Deals the cards (Specs/GymCards.md "Deals") and returns the first observation.
    public mutating func reset(generator: inout SeededGenerator) -> Observation {
        var dealt: [PlayingCard] = []
        switch rules.deal {
        case .completingPair:
            let first = PlayingCard(validRank: 2 + generator.nextInt(below: 12), suit: PlayingCard.randomSuit(&generator))
            let value = first.valueCountingFacesAsTen
            let second: Int
            if [1, 2, 3, 4, 6].contains(value), generator.nextUniform() <= 0.5 {
                second = rules.target / value
            } else {
                second = rules.target - value
            }
            dealt = [first, PlayingCard(validRank: second, suit: PlayingCard.randomSuit(&generator))]
            if generator.nextUniform() <= 0.5 { dealt.reverse() }
        case .independent(let count):
            for _ in 0..<count {
                dealt.append(PlayingCard(validRank: 1 + generator.nextInt(below: 13), suit: PlayingCard.randomSuit(&generator)))
            }
        }
        return begin(cards: dealt)
    }

    /// Starts an episode with the given cards (tests, golden replays).
    /// - Throws: `InputError.invalidArgument` unless there are `rules.cardCount` cards.
    @discardableResult
    public mutating func reset(cards: [PlayingCard]) throws -> Observation {
        guard cards.count == rules.cardCount else {
            throw InputError.invalidArgument(argument: "cards", reason: "expected \(rules.cardCount) cards, got \(cards.count)")
        }
        return begin(cards: cards)
    }

    private mutating func begin(cards: [PlayingCard]) -> Observation {
        self.cards = cards
        numbers = cards.map { rules.faceCardsCountAsTen ? $0.valueCountingFacesAsTen : $0.rank }
        formula = []
        usedNumbers = []
        lastEvaluation = nil
        isEpisodeOver = false
        solver = FormulaSolver(numbers: numbers, target: rules.target,
                               operators: rules.operators.filter { $0 != .open && $0 != .close },
                               allowsParentheses: rules.operators.contains(.open))
        return observation()
    }

    /// GymCards-2: first the length limit (truncation, −1), then a number not available (a blank is
    /// appended, −1, the episode goes on), then `=` (+10 when the formula
    /// equals the target and every card was used, else −1; terminated), else the symbol is appended (0).
    public mutating func step(action: Int) throws -> CardStep {
        try validate(action: action, episodeOver: isEpisodeOver)
        let name = legalActions[action]
        if formula.count > rules.formulaLengthLimit {
            isEpisodeOver = true
            return CardStep(observation: observation(), reward: -1, terminated: false, truncated: true)
        }
        if name == "=" {
            let value = evaluateFormula(formula, mode: rules.evaluation)
            lastEvaluation = value
            let solved = value.equals(rules.target) && usedNumbers.count == rules.cardCount
            isEpisodeOver = true
            return CardStep(observation: observation(), reward: solved ? 10 : -1, terminated: true, truncated: false)
        }
        guard let token = FormulaToken(action: name) else {
            throw InputError.invalidArgument(argument: "action", reason: "unknown action \(name)")
        }
        if case .number(let value) = token {
            let available = numbers.filter { $0 == value }.count
            guard usedNumbers.filter({ $0 == value }).count < available else {
                formula.append(.blank)
                return CardStep(observation: observation(), reward: -1, terminated: false, truncated: false)
            }
            usedNumbers.append(value)
        }
        formula.append(token)
        return CardStep(observation: observation(), reward: 0, terminated: false, truncated: false)
    }

    public func observation() -> Observation {
        Observation(image: render(), prompt: GymCardsPrompts.points(rules: rules, formula: formula))
    }

    /// The next symbol of the first solution that continues the typed formula; `=` when the formula is
    /// a complete solution, or when no solution continues it (ending now costs −1, as any other end would).
    public func expertDecision() -> ExpertDecision {
        let cardsText = "cards " + numbers.map(String.init).joined(separator: " ")
        let typed = formula.filter { $0 != .blank }
        let equals = legalActions.count - 1
        guard let plan = solver.solution(continuing: formula) else {
            return ExpertDecision(action: equals, thoughts: cardsText + " no solution")
        }
        let remaining = Array(plan[typed.count...])
        guard let next = remaining.first, let index = legalActions.firstIndex(of: next.text) else {
            return ExpertDecision(action: equals, thoughts: cardsText + " remaining none")
        }
        return ExpertDecision(action: index, thoughts: cardsText + " remaining " + remaining.displayText)
    }

    /// Every solution the expert knows for the current cards (Specs/GymCards.md "Expert policies").
    public var solutions: [[FormulaToken]] { solver.solutions }

    /// 96×96 on green: the cards in a row at the top, "Formula:" and the formula below, wrapped, at
    /// scale 2 when it fits and scale 1 otherwise.
    func render() -> Canvas {
        let size = GymCardsPrompts.imageSize
        var canvas = Canvas(width: size, height: size, background: Canvas.tableGreen)
        let count = max(1, cards.count)
        let gap = 2
        let width = min(36, (size - 4 - gap * (count - 1)) / count)
        let large = width >= 30
        let height = large ? 46 : 34
        let left = (size - (count * width + (count - 1) * gap)) / 2
        for (i, card) in cards.enumerated() {
            canvas.drawCard(card, x: left + i * (width + gap), y: 3, width: width, height: height,
                            rankScale: large ? 3 : 2, suitScale: 2)
        }
        let labelY = 3 + height + 4
        _ = canvas.drawText("Formula:", x: 3, y: labelY, scale: 1, color: .white)
        let words = formula.filter { $0 != .blank }.map(\.text)
        canvas.drawWrappedText(words, x: 3, y: labelY + 10, maxWidth: size - 6, maxHeight: size - 2 - (labelY + 10),
                               scales: [2, 1], lineSpacing: 2, color: .white)
        return canvas
    }
}
