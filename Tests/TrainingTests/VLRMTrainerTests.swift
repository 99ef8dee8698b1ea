import Foundation
import Models
import RLAlgorithms
import Tasks
import Tensor
import Testing
@testable import Training

@Suite struct VLRMTrainerTests {
    static func hyperparameters() -> VLRMTrainer.Hyperparameters {
        var h = VLRMTrainer.Hyperparameters()
        h.prompts = 3
        h.maxNewTokens = 10
        h.beams = 2
        h.minNewTokens = 2
        h.valueHeadWidths = [8]
        h.lora = LoRASettings(rank: 2, alpha: 4, dropout: 0, targets: ["q_proj", "v_proj"])
        return h
    }

    @Test func stepsAreFiniteResumeBitForBitAndReturnsFollowTheSpec() throws {
        let warm = try TokenPPOTrainerTests.warmStart()
        defer { try? FileManager.default.removeItem(atPath: warm) }
        let rules = try VLRMPenaltyRules.paper()
        var trainer = try VLRMTrainer(task: ColourTask(), hyperparameters: Self.hyperparameters(), warmStart: warm, seed: 6,
                                      configuration: .null, checkpoint: nil, rules: rules, similarity: TokenPPOTrainerTests.reward)
        let rollout = try trainer.rollout()
        // Each caption's return tensor holds VLRMReturns-5 at its token positions and 0 elsewhere.
        for (b, result) in rollout.returns.enumerated() {
            let columns = (0..<rollout.mask.shape[1]).filter { rollout.mask[b, $0] != 0 }
            #expect(columns.count == rollout.responses[b].tokens.count)
            #expect(columns.map { rollout.returnTensor[b, $0] } == result.returns.elements)
            let noEOS: Float = rollout.responses[b].tokens.last == trainer.run.format.endOfSequence ? 0 : 1
            #expect(result.noEOS == noEOS)
        }
        let first = try trainer.step()
        #expect(first.allSatisfy { $0.value.isFinite }, "\(first)")
        let checkpoint = warm + "-vlrm"
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        try trainer.saveCheckpoint(to: checkpoint)
        let second = try trainer.step()
        var resumed = try VLRMTrainer(task: ColourTask(), hyperparameters: Self.hyperparameters(), warmStart: warm, seed: 6,
                                      configuration: .null, checkpoint: checkpoint, rules: rules, similarity: TokenPPOTrainerTests.reward)
        #expect(try resumed.step().map(\.value) == second.map(\.value))
        #expect(try trainer.caption([ColourTask().observation(0)]).count == 1)
    }

    @Test func responseWordsAlignTokensWithTheWordsOfTheText() throws {
        let tokenizer = try WordLevelTokenizer(corpus: ["a red circle , left of a blue square .", "{\"answer\": \"red\"}"])
        let ids = tokenizer.encode("a red circle, left of a blue square.").ids + [tokenizer.id(of: "</s>")!]
        let layout = try tokenizer.responseWords(ids)
        #expect(layout.words == ["a", "red", "circle,", "left", "of", "a", "blue", "square."])
        #expect(layout.tokenWordIndex == [0, 1, 2, 2, 3, 4, 5, 6, 7, 7, -1])
        #expect(try tokenizer.responseText(ids) == "a red circle, left of a blue square.")
    }
}
