import Models
import RLAlgorithms
import Tasks
import Tensor
import Testing
@testable import Training

/// The GymCards adapter's no-chain-of-thought variant (seed 002's ablation): prompts ask for the action
/// alone, demonstrations and showcase answers carry it alone, and action parsing reads them back.
@Suite struct GymCardsPolicyTaskTests {
    @Test func actionOnlyVariantAsksForAndDemonstratesTheActionAlone() throws {
        for game in GymCardsTask.allCases {
            let task = GymCardsPolicyTask(game, chainOfThought: false)
            var generator = SeededGenerator(seed: 5)
            let demonstrations = task.demonstrations(count: 12, generator: &generator)
            #expect(demonstrations.count == 12)
            let legal = try LegalActions(game.legalActions)
            for (observation, reply) in demonstrations {
                #expect(observation.prompt.hasSuffix("Reply in json with action."), "\(observation.prompt)")
                #expect(reply.hasPrefix("{\"action\": \"") && !reply.contains("thoughts"), "\(reply)")
                let parse = try parseAction(reply, legalActions: legal, configuration: task.parsing)
                #expect(!parse.fallback, "\(reply) did not parse")
            }
            var environment = task.makeEnvironment()
            #expect(environment.reset(generator: &generator).prompt.hasSuffix("Reply in json with action."))
            let shown = task.showcase(split: .validation, count: 2, seed: 1)
            #expect(shown.allSatisfy { $0.answer.hasPrefix("{\"action\": ") && $0.observation.prompt.hasSuffix("with action.") })
            // Every word of the action-only prompts and replies is in the task's vocabulary.
            let tokenizer = try WordLevelTokenizer(corpus: task.corpus)
            for (observation, reply) in demonstrations {
                #expect(!tokenizer.encode(observation.prompt + " " + reply).ids.contains(tokenizer.id(of: tokenizer.unknownToken)!))
            }
        }
        // The default variant keeps the paper's prompt and thoughts.
        var generator = SeededGenerator(seed: 5)
        let cot = GymCardsPolicyTask(.numberLine).demonstrations(count: 3, generator: &generator)
        #expect(cot.allSatisfy { $0.observation.prompt.hasSuffix("Reply in json with thoughts and action.") && $0.response.contains("thoughts") })
    }
}
