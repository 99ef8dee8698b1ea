import Foundation
import Models
import RLAlgorithms
import Tasks
import Tensor
import Testing
@testable import Training

@Suite struct GRPOTrainerTests {
    static func hyperparameters(_ objective: GRPOTrainer.Objective) -> GRPOTrainer.Hyperparameters {
        var h = GRPOTrainer.Hyperparameters()
        h.prompts = 2
        h.maxNewTokens = 10
        h.objective = objective
        h.lora = LoRASettings(rank: 2, alpha: 4, dropout: 0, targets: ["q_proj", "v_proj"])
        return h
    }

    @Test(arguments: GRPOTrainer.Objective.allCases)
    func stepsAreFiniteAndResumeBitForBit(objective: GRPOTrainer.Objective) throws {
        let warm = try TokenPPOTrainerTests.warmStart()
        defer { try? FileManager.default.removeItem(atPath: warm) }
        var trainer = try GRPOTrainer(task: ColourTask(), hyperparameters: Self.hyperparameters(objective), warmStart: warm, seed: 4,
                                      configuration: .null, checkpoint: nil, reward: TokenPPOTrainerTests.reward)
        let first = try trainer.step()
        #expect(first.allSatisfy { $0.value.isFinite }, "\(first)")
        let checkpoint = warm + "-grpo"
        defer { try? FileManager.default.removeItem(atPath: checkpoint) }
        try trainer.saveCheckpoint(to: checkpoint)
        let second = try trainer.step()
        var resumed = try GRPOTrainer(task: ColourTask(), hyperparameters: Self.hyperparameters(objective), warmStart: warm, seed: 4,
                                      configuration: .null, checkpoint: checkpoint, reward: TokenPPOTrainerTests.reward)
        #expect(try resumed.step().map(\.value) == second.map(\.value))
    }

    @Test func rolloutGroupsSamplesAndNormalisesWithinEachGroup() throws {
        let warm = try TokenPPOTrainerTests.warmStart()
        defer { try? FileManager.default.removeItem(atPath: warm) }
        var trainer = try GRPOTrainer(task: ColourTask(), hyperparameters: Self.hyperparameters(.clipped), warmStart: warm, seed: 9,
                                      configuration: .null, checkpoint: nil, reward: { _, response in Double(response.count) })
        let rollout = try trainer.rollout()
        let g = trainer.hyperparameters.groupSize
        #expect(rollout.examples.count == 2 * g)
        #expect(rollout.temperatures == .perSequence([0.7, 0.8, 0.9, 1.0, 0.7, 0.8, 0.9, 1.0]))
        var flat = 0
        for group in 0..<2 {
            let members = (group * g)..<((group + 1) * g)
            if Set(members.map { rollout.scores[$0] }).count == 1 { flat += 1 }
            #expect(members.allSatisfy { rollout.examples[$0].observation == rollout.examples[group * g].observation })
            let scores = members.map { Double(rollout.scores[$0]) }
            let mean = scores.reduce(0, +) / Double(g)
            let std = (scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(g)).squareRoot()
            for (k, i) in members.enumerated() {
                let expected = std == 0 ? 0 : (scores[k] - mean) / (std + 1e-8)
                #expect(abs(Double(rollout.advantages[i]) - expected) <= 1e-5 + 1e-5 * abs(expected))
            }
        }
        #expect(rollout.flatGroupFraction(groupSize: g) == Double(flat) / 2)
    }

    /// A reward that ignores the answer makes every group flat: all advantages 0, flat fraction 1.
    @Test func constantRewardsLeaveEveryGroupFlat() throws {
        let warm = try TokenPPOTrainerTests.warmStart()
        defer { try? FileManager.default.removeItem(atPath: warm) }
        var trainer = try GRPOTrainer(task: ColourTask(), hyperparameters: Self.hyperparameters(.clipped), warmStart: warm, seed: 9,
                                      configuration: .null, checkpoint: nil, reward: { _, _ in 0.5 })
        let rollout = try trainer.rollout()
        #expect(rollout.advantages.elements.allSatisfy { $0 == 0 })
        #expect(rollout.flatGroupFraction(groupSize: trainer.hyperparameters.groupSize) == 1)
    }
}
