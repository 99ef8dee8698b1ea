import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/ActionParsing.md: every golden case, the fallback draw (ActionParsing-3), and large or
/// unusual inputs.
@Suite("ActionParsing")
struct ActionParsingTests {
    @Test("golden case", arguments: try Golden.cases("ActionParsing"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: ActionParsingEvaluator())
    }

    static let points24 = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "+", "-", "*", "/", "(", ")", "="]

    @Test("the fallback draw is reproducible for a seed and reaches every candidate uniformly",
          arguments: [ActionParsingConfiguration.paper, .rl4vlm])
    func fallbackDraw(_ configuration: ActionParsingConfiguration) throws {
        let legal = try LegalActions(Self.points24)
        let parse = try parseAction("I am not sure.", legalActions: legal, configuration: configuration)
        #expect(parse.fallback && parse.candidates == Self.points24)
        var first = SeededGenerator(seed: 41), second = SeededGenerator(seed: 41)
        let draws = (0..<3_400).map { _ in parse.chosenAction(using: &first) }
        #expect(draws.map(\.index) == (0..<3_400).map { _ in parse.chosenAction(using: &second).index })
        var counts = Array(repeating: 0, count: Self.points24.count)
        for (index, action) in draws {
            #expect(Self.points24[index] == action)
            counts[index] += 1
        }
        // 200 expected per action; 5.5 standard deviations (√(200·16/17) ≈ 13.7) either side.
        #expect(counts.allSatisfy { (125...275).contains($0) }, "counts \(counts)")
        var reference = SeededGenerator(seed: 41)
        #expect(draws[0].index == reference.nextInt(below: Self.points24.count))
    }

    @Test("a parsed action is returned without drawing")
    func parsedDoesNotDraw() throws {
        let parse = try parseAction(#"{"action": "stand"}"#, legalActions: LegalActions(["stand", "hit"]))
        var g = SeededGenerator(seed: 42)
        let before = g
        #expect(parse.chosenAction(using: &g) == (0, "stand"))
        #expect(g == before)
    }

    @Test("a 10,000-word output is parsed in linear time in both modes", .timeLimit(.minutes(1)))
    func largeInput() throws {
        let thoughts = String(repeating: "I could hit, but \"action\" is not yet decided 19 ", count: 1_250)
        let text = thoughts + #"{"action": "stand"}"#
        let legal = try LegalActions(["stand", "hit"])
        #expect(try parseAction(text, legalActions: legal).action == "stand")
        #expect(try parseAction(text, legalActions: legal, configuration: .rl4vlm).action == "stand")
        let echoed = String(repeating: #""action": "hit" "#, count: 5_000)
        let many = try parseAction(echoed, legalActions: legal)
        #expect(many.action == "hit" && many.matched.count == 5_000)
    }

    @Test("invalid legal lists are typed errors naming the argument")
    func legalListErrors() {
        #expect(throws: InputError.empty(argument: "legal_actions", reason: "no legal action")) { try LegalActions([]) }
        #expect(throws: InputError.invalidArgument(argument: "legal_actions[1]", reason: "is empty")) {
            try LegalActions(["hit", ""])
        }
        #expect(throws: InputError.invalidArgument(argument: "legal_actions[0]", reason: "starts or ends with white space")) {
            try LegalActions(["hit\u{3000}", "stand"])
        }
        // Precomposed and decomposed spellings are different actions, not duplicates.
        #expect(throws: Never.self) { try LegalActions(["caf\u{E9}", "cafe\u{301}"]) }
    }
}
