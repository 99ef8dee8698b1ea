import Foundation
import Models
import RLAlgorithms
import SpecCatalog
import Tasks
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/GymCards.md: the golden cases replayed on the original gym-cards code, hand-worked rules,
/// the experts, determinism by seed, rendering and the prompt budget.
@Suite("GymCards")
struct GymCardsTests {
    @Test("golden case", arguments: try Golden.cases("GymCards"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: GymCardsEvaluator())
    }

    static func card(_ rank: Int, _ suit: Suit = .hearts) -> PlayingCard { try! PlayingCard(rank: rank, suit: suit) }

    static func tokens(_ spelled: String) -> [FormulaToken] {
        spelled.split(separator: " ").map { FormulaToken(action: String($0))! }
    }

    // MARK: - Rational arithmetic and formulas (GymCards-3, GymCards-4)

    @Test func rationalsStayReducedAndReportOverflow() throws {
        let third = try #require(Rational(numerator: 2, denominator: -6))
        #expect(third.numerator == -1 && third.denominator == 3)
        #expect(Rational(numerator: 1, denominator: 0) == nil)
        #expect(Rational(Int.max).adding(Rational(1)) == nil)
        #expect(Rational(Int.min).multiplied(by: Rational(-1)) == nil)
        #expect(Rational(Int.max).divided(by: Rational(0)) == nil)
        // 3 − 8/3 = 1/3 and 8 / (1/3) = 24, by hand.
        let eightThirds = try #require(Rational(numerator: 8, denominator: 3))
        let inner = try #require(Rational(3).subtracting(eightThirds))
        #expect(inner == Rational(numerator: 1, denominator: 3))
        #expect(Rational(8).divided(by: inner) == Rational(24))
    }

    @Test("exact arithmetic accepts the 24-game answers binary floating point rejects; rl4vlm rejects them as the original does",
          arguments: ["8 / ( 3 - 8 / 3 )", "4 / ( 1 - 5 / 6 )"])
    func floatRejectsValidAnswers(_ spelled: String) {
        let formula = Self.tokens(spelled)
        #expect(evaluateFormula(formula, mode: .exact) == .rational(Rational(24)))
        #expect(evaluateFormula(formula, mode: .exact).equals(24))
        let compatible = evaluateFormula(formula, mode: .rl4vlm)
        guard case .float(let value) = compatible else {
            Issue.record("rl4vlm mode gave \(compatible), expected a float")
            return
        }
        #expect(value != 24 && abs(value - 24) < 1e-13, "binary64 gives \(value)")
        #expect(!compatible.equals(24))
    }

    @Test func exactGrammarRejectsWhatOnlyPythonAccepts() {
        for spelled in ["1 2 * 2", "- 3 * - 8", "2 * * 3", "8 / / 3", "( )", "2 ( 3 )", "( 8 + 4", "8 +"] {
            #expect(evaluateFormula(Self.tokens(spelled), mode: .exact) == .failure(.syntax), "\(spelled)")
        }
        #expect(evaluateFormula([], mode: .exact) == .failure(.empty))
        #expect(evaluateFormula(Self.tokens("5 / ( 1 - 1 )"), mode: .exact) == .failure(.divisionByZero))
        // A syntax error anywhere wins over an earlier division by zero, as when Python parses first.
        #expect(evaluateFormula(Self.tokens("5 / ( 1 - 1 ) +"), mode: .exact) == .failure(.syntax))
        #expect(evaluateFormula(Self.tokens("1 2 * 2 * 1"), mode: .rl4vlm) == .integer(24))
        #expect(evaluateFormula(Self.tokens("2 * * 3 * 3"), mode: .rl4vlm) == .integer(24))
        #expect(evaluateFormula([.number(8), .blank, .times, .number(3)], mode: .exact) == .rational(Rational(24)))
    }

    // MARK: - NumberLine (GymCards-1)

    @Test func numberLineHandWorkedEpisode() throws {
        var env = NumberLineEnvironment()
        try env.reset(current: 1, target: 3)
        // '-' from 1 to 0 moves away (−1); '+' to 1 is closer (0), to 2 closer (0), to 3 arrives (+1).
        let steps = try ["-", "+", "+", "+"].map { try env.step(actionNamed: $0) }
        #expect(steps.map(\.reward) == [-1, 0, 0, 1])
        #expect(steps.map(\.terminated) == [false, false, false, true])
        #expect(throws: InputError.self) { try env.step(action: 0) }
    }

    @Test func numberLineTruncatesAtTwiceTheLine() throws {
        var env = try NumberLineEnvironment(maxPosition: 3)
        try env.reset(current: 0, target: 3)
        var last: CardStep?
        for _ in 0..<6 { last = try env.step(actionNamed: "-") }
        #expect(last?.truncated == true && last?.terminated == false && env.isEpisodeOver)
        #expect(throws: InputError.self) { try NumberLineEnvironment(maxPosition: 1) }
    }

    @Test func numberLineExpertArrivesInTheDistanceEverywhere() throws {
        for start in 0...5 {
            for target in 0...5 where target != start {
                var env = NumberLineEnvironment()
                try env.reset(current: start, target: target)
                var rewards: [Double] = []
                while !env.isEpisodeOver { rewards.append(try env.step(action: env.expertDecision().action).reward) }
                #expect(rewards.count == abs(target - start) && rewards.reduce(0, +) == 1)
            }
        }
    }

    @Test func numberLineDealsNeverStartOnTheTarget() {
        var env = NumberLineEnvironment()
        var generator = SeededGenerator(seed: 3)
        var seen = Set<[Int]>()
        for _ in 0..<2_000 {
            _ = env.reset(generator: &generator)
            #expect(env.current != env.target && !env.isEpisodeOver)
            seen.insert([env.current, env.target])
        }
        // 30 ordered pairs of distinct numbers on 0…5 all occur.
        #expect(seen.count == 30)
    }

    // MARK: - EZPoints and Points24 (GymCards-2)

    @Test func pointsRewardsTheExactAnswerAndRl4vlmRejectsIt() throws {
        var exact = PointsEnvironment(rules: .points24)
        var rules = PointsRules.points24
        rules.evaluation = .rl4vlm
        var original = PointsEnvironment(rules: rules)
        let cards = [Self.card(8), Self.card(3), Self.card(8, .spades), Self.card(3, .clubs)]
        try exact.reset(cards: cards)
        try original.reset(cards: cards)
        var last: (CardStep, CardStep)?
        for symbol in "8 / ( 3 - 8 / 3 ) =".split(separator: " ") {
            last = (try exact.step(actionNamed: String(symbol)), try original.step(actionNamed: String(symbol)))
        }
        #expect(last?.0.reward == 10 && last?.1.reward == -1 && last?.0.terminated == true)
    }

    @Test func pointsRejectsUnavailableCardsAndTruncatesLongFormulas() throws {
        var env = PointsEnvironment(rules: .ezPoints)
        try env.reset(cards: [Self.card(4), Self.card(12)])  // Q counts 10
        #expect(env.numbers == [4, 10])
        let rejected = try env.step(actionNamed: "3")
        #expect(rejected.reward == -1 && !rejected.isEpisodeOver && env.formula == [.blank])
        for _ in 0..<5 { #expect(try env.step(actionNamed: "+").reward == 0) }
        #expect(env.formula.count == 6)
        let cut = try env.step(actionNamed: "=")
        #expect(cut.reward == -1 && cut.truncated && !cut.terminated)
    }

    @Test func ezPointsDealsAreAlwaysSolvableAndTheExpertSolvesThem() throws {
        var env = PointsEnvironment(rules: .ezPoints)
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<100 {
            _ = env.reset(generator: &generator)
            #expect(env.numbers.allSatisfy { (2...10).contains($0) })
            var total = 0.0
            while !env.isEpisodeOver { total += try env.step(action: env.expertDecision().action).reward }
            #expect(total == 10, "cards \(env.cards)")
        }
    }

    @Test func pointsDealsFollowTheOriginalRules() {
        var ez = PointsEnvironment(rules: .ezPoints)
        var generator = SeededGenerator(seed: 13)
        var pairs = Set<[Int]>(), firstRanks = Set<Int>()
        for _ in 0..<600 {
            _ = ez.reset(generator: &generator)
            pairs.insert(ez.numbers)
            // The drawn card is the one with rank ≥ 2 whose partner completes 12; a face is always the drawn one.
            firstRanks.formUnion(ez.cards.map(\.rank).filter { $0 > 10 })
        }
        // By hand: first value x in 2…10 (J, Q, K → 10); partner 12 − x, or 12 / x for x in {2, 3, 4, 6}
        // with probability ½; either order. So 3 meets both 9 and 4, 2 meets 10 and 6, 5 only 7.
        let expected: Set<[Int]> = [[2, 10], [10, 2], [2, 6], [6, 2], [3, 9], [9, 3], [3, 4], [4, 3], [4, 8], [8, 4],
                                    [5, 7], [7, 5], [6, 6]]
        #expect(pairs == expected)
        #expect(firstRanks == [11, 12, 13])
        var p24 = PointsEnvironment(rules: .points24)
        var ranks = Array(repeating: 0, count: 14)
        for _ in 0..<300 {
            _ = p24.reset(generator: &generator)
            for card in p24.cards { ranks[card.rank] += 1 }
        }
        // 1200 uniform ranks on 1…13: each about 92 (sd ≈ 9.2, bound 4.3 sd); every rank occurs, 10 included.
        #expect(ranks[0] == 0 && ranks[1...].allSatisfy { abs($0 - 92) < 40 })
    }

    @Test("24-game hands solvable or not, by hand",
          arguments: [([8, 3, 8, 3], true), ([1, 5, 5, 5], true), ([3, 3, 7, 7], true), ([4, 4, 10, 10], true),
                      ([4, 1, 5, 6], true), ([1, 1, 1, 1], false), ([1, 2, 1, 2], false)])
    func points24Solvability(_ numbers: [Int], _ solvable: Bool) {
        let solver = FormulaSolver(numbers: numbers, target: 24, operators: [.plus, .minus, .times, .divide],
                                   allowsParentheses: true)
        #expect(solver.solutions.isEmpty == !solvable)
        for solution in solver.solutions {
            #expect(evaluateFormula(solution, mode: .exact) == .rational(Rational(24)), "\(solution.displayText)")
            #expect(solution.filter(\.isNumber).map(\.text).sorted() == numbers.map(String.init).sorted())
        }
    }

    @Test func points24ExpertSolvesEverySolvableDealAndStopsOtherwise() throws {
        var env = PointsEnvironment(rules: .points24)
        var generator = SeededGenerator(seed: 5)
        var solved = 0
        let episodes = 80
        for _ in 0..<episodes {
            _ = env.reset(generator: &generator)
            let solvable = !env.solutions.isEmpty
            var rewards: [Double] = []
            while !env.isEpisodeOver { rewards.append(try env.step(action: env.expertDecision().action).reward) }
            #expect(rewards.last == (solvable ? 10 : -1) && rewards.dropLast().allSatisfy { $0 == 0 })
            if !solvable { #expect(rewards.count == 1) }
            if solvable { solved += 1 }
        }
        // Most random hands of 1…10 (faces as 10) are solvable; the exact share is not pinned here.
        #expect(solved > episodes / 2)
    }

    @Test func points24ExpertRecoversFromAnOptionalParenthesis() throws {
        var env = PointsEnvironment(rules: .points24)
        try env.reset(cards: [Self.card(8), Self.card(3), Self.card(8), Self.card(3)])
        _ = try env.step(actionNamed: "(")
        var total = 0.0
        while !env.isEpisodeOver { total += try env.step(action: env.expertDecision().action).reward }
        #expect(total == 10)
    }

    // MARK: - Blackjack (GymCards-5, GymCards-6)

    @Test func blackjackAceHandling() {
        let soft17 = BlackjackHand([Self.card(1), Self.card(6)])
        #expect(soft17.total == 17 && soft17.hasUsableAce)
        let hard17 = BlackjackHand([Self.card(1), Self.card(6), Self.card(10)])
        #expect(hard17.total == 17 && !hard17.hasUsableAce)
        let twoAces = BlackjackHand([Self.card(1), Self.card(1), Self.card(9)])
        #expect(twoAces.total == 21 && twoAces.hasUsableAce)
        let bust = BlackjackHand([Self.card(13), Self.card(6), Self.card(12)])
        #expect(bust.isBust && bust.score == 0 && bust.total == 26)
        #expect(BlackjackHand([Self.card(1), Self.card(12)]).isNatural)
        #expect(!BlackjackHand([Self.card(1), Self.card(5), Self.card(5)]).isNatural)
    }

    @Test func blackjackDealerDrawsToSeventeenAndStandsOnSoft17() throws {
        var env = BlackjackEnvironment()
        try env.reset(dealer: [Self.card(10), Self.card(2)], player: [Self.card(10), Self.card(9)],
                  upcoming: [Self.card(3), Self.card(1), Self.card(5)])
        // 12 + 3 = 15, + A = 16 (the ace cannot count 11), + 5 = 21.
        let step = try env.step(actionNamed: "stand")
        #expect(env.dealer.total == 21 && env.dealer.cards.count == 5 && step.reward == -1 && step.terminated)
        try env.reset(dealer: [Self.card(1), Self.card(6)], player: [Self.card(10), Self.card(8)], upcoming: [Self.card(10)])
        #expect(try env.step(actionNamed: "stand").reward == 1)
        #expect(env.dealer.cards.count == 2)
    }

    @Test func blackjackNaturalsFollowTheChosenRule() throws {
        var env = BlackjackEnvironment()
        env.naturalPays1point5 = true
        try env.reset(dealer: [Self.card(10), Self.card(7)], player: [Self.card(1), Self.card(13)])
        #expect(try env.step(actionNamed: "stand").reward == 1.5)
        env.naturalRule = .rl4vlm
        try env.reset(dealer: [Self.card(10), Self.card(7)], player: [Self.card(1), Self.card(13)])
        #expect(try env.step(actionNamed: "stand").reward == 1)
    }

    @Test("basic strategy", arguments: [
        ([10, 6], 10, "hit"), ([10, 6], 6, "stand"), ([10, 2], 3, "hit"), ([10, 2], 4, "stand"),
        ([1, 7], 9, "hit"), ([1, 7], 8, "stand"), ([1, 6], 2, "hit"), ([10, 7], 1, "stand"), ([5, 6], 6, "hit"),
    ])
    func blackjackExpert(_ player: [Int], _ dealerUp: Int, _ expected: String) throws {
        var env = BlackjackEnvironment()
        try env.reset(dealer: [Self.card(dealerUp), Self.card(5)], player: player.map { Self.card($0) })
        #expect(env.legalActions[env.expertDecision().action] == expected)
    }

    @Test func blackjackExpertBeatsStandingAndRandomPlay() throws {
        func meanReturn(_ policy: (BlackjackEnvironment, inout SeededGenerator) -> Int) throws -> Double {
            var env = BlackjackEnvironment()
            var generator = SeededGenerator(seed: 21)
            var total = 0.0
            for _ in 0..<1_500 {
                _ = env.reset(generator: &generator)
                while !env.isEpisodeOver { total += try env.step(action: policy(env, &generator)).reward }
            }
            return total / 1_500
        }
        let expert = try meanReturn { env, _ in env.expertDecision().action }
        let stand = try meanReturn { _, _ in 0 }
        let random = try meanReturn { _, g in g.nextInt(below: 2) }
        #expect(expert > stand && expert > random && expert > -0.15, "expert \(expert), stand \(stand), random \(random)")
    }

    @Test func blackjackNeverShowsATenCardAndDrawsTheDeckOfThirteen() {
        var env = BlackjackEnvironment()
        var generator = SeededGenerator(seed: 8)
        var tenValued = 0, cards = 0
        for _ in 0..<1_000 {
            _ = env.reset(generator: &generator)
            for card in env.dealer.cards + env.player.cards {
                #expect(card.rank != 10)
                cards += 1
                if card.valueCountingFacesAsTen == 10 { tenValued += 1 }
            }
        }
        // 4 of 13 deck entries are worth 10: 4000 cards, mean 1230.8, sd ≈ 29 (7 sd allowed).
        #expect(abs(Double(tenValued) - Double(cards) * 4 / 13) < 200)
    }

    // MARK: - Noisy expert, replies, prompts

    @Test(arguments: GymCardsTask.allCases)
    func noisyExpertRepliesParseBackToTheirActions(_ task: GymCardsTask) throws {
        var env = task.makeEnvironment()
        var generator = SeededGenerator(seed: 17)
        let teacher = try NoisyExpert(noise: 0.3)
        let legal = try LegalActions(env.legalActions)
        var noisy = 0, total = 0
        for _ in 0..<30 {
            for step in playTeacherEpisode(&env, teacher: teacher, generator: &generator) {
                let parse = try parseAction(step.reply, legalActions: legal)
                #expect(parse.index == step.action, "\(step.reply)")
                total += 1
            }
        }
        // Noise zero reproduces the expert exactly.
        let clean = try NoisyExpert(noise: 0)
        _ = env.reset(generator: &generator)
        #expect(clean.act(on: env, generator: &generator).action == env.expertDecision().action)
        noisy = total
        #expect(noisy > 0)
        #expect(throws: InputError.self) { try NoisyExpert(noise: 1.5) }
    }

    @Test("prompt plus reply stays within the word-level budget and inside the corpus", arguments: GymCardsTask.allCases)
    func promptBudget(_ task: GymCardsTask) throws {
        let tokenizer = try WordLevelTokenizer(corpus: GymCardsPrompts.corpus)
        let unknown = try #require(tokenizer.id(of: tokenizer.unknownToken))
        var env = task.makeEnvironment()
        var generator = SeededGenerator(seed: 29)
        var expertMax = 0, noisyMax = 0
        for (noise, isExpert) in [(0.0, true), (0.3, false)] {
            let teacher = try NoisyExpert(noise: noise)
            for _ in 0..<40 {
                for step in playTeacherEpisode(&env, teacher: teacher, generator: &generator) {
                    let ids = tokenizer.encode(step.observation.prompt + " " + step.reply).ids
                    #expect(!ids.contains(unknown), "\(step.observation.prompt) \(step.reply)")
                    if isExpert { expertMax = max(expertMax, ids.count) } else { noisyMax = max(noisyMax, ids.count) }
                }
            }
        }
        #expect(expertMax <= 90, "expert episodes: at most \(expertMax) tokens")
        #expect(noisyMax <= 100, "noisy episodes: at most \(noisyMax) tokens")
    }

    // MARK: - Determinism and rendering

    /// FNV-1a (64 bit) of the bytes.
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
    }

    static func firstObservations(_ task: GymCardsTask, seed: UInt64) -> [Observation] {
        var env = task.makeEnvironment()
        var generator = SeededGenerator(seed: seed)
        let teacher = try! NoisyExpert(noise: 0.2)
        return (0..<3).flatMap { _ in playTeacherEpisode(&env, teacher: teacher, generator: &generator).map(\.observation) }
    }

    @Test(arguments: GymCardsTask.allCases)
    func sameSeedSameObservations(_ task: GymCardsTask) {
        let a = Self.firstObservations(task, seed: 99), b = Self.firstObservations(task, seed: 99)
        #expect(!a.isEmpty && a == b)
        #expect(a != Self.firstObservations(task, seed: 100))
    }

    /// Regression pins, not verification: FNV-1a of the first observation's pixels for seed 7, computed
    /// once from this code. A change means the rendering or the deal changed; check the images, then
    /// update the constant deliberately.
    static let pinnedChecksums: [GymCardsTask: UInt64] = [
        .numberLine: 10_281_993_294_373_271_826, .ezPoints: 982_877_145_181_065_878,
        .points24: 2_637_634_744_342_225_565, .blackjack: 7_061_001_196_954_675_082,
    ]

    @Test(arguments: GymCardsTask.allCases)
    func renderingRegressionPin(_ task: GymCardsTask) {
        var env = task.makeEnvironment()
        var generator = SeededGenerator(seed: 7)
        let image = env.reset(generator: &generator).image
        #expect(image.width == 96 && image.height == 96)
        #expect(Self.fnv1a(image.pixels) == Self.pinnedChecksums[task], "checksum \(Self.fnv1a(image.pixels))")
    }

    @Test(arguments: GymCardsTask.allCases)
    func everyObservationIsAWritablePNG(_ task: GymCardsTask) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gymcards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (i, observation) in Self.firstObservations(task, seed: 3).enumerated() {
            let path = folder.appendingPathComponent("\(task.rawValue)-\(i).png").path
            try observation.image.image.write(to: path)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.size] as? Int ?? 0) > 100)
        }
    }
}
