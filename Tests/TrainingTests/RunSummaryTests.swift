import Foundation
import Tensor
import Testing
@testable import Training

/// `RunSummary` against hand calculations on written metrics logs.
@Suite struct RunSummaryTests {
    func run(_ lines: [StepMetrics]) throws -> String {
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("rlref-summary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var log = try MetricsLog(folder: folder, resumedStep: nil)
        for line in lines { try log.append(line) }
        return folder
    }

    @Test func beforeAfterAndChangeAcrossSeeds() throws {
        let folders = try [(0.5, 0.7), (0.5, 0.8), (0.4, 0.9)].map { before, after in
            try run([StepMetrics(step: 0, wallTime: 1, values: [("eval_success_rate", before), ("eval_return", -1)]),
                     StepMetrics(step: 1, wallTime: 2, values: [("reward", 0.1)]),
                     StepMetrics(step: 2, wallTime: 3, values: [("reward", 0.2), ("eval_success_rate", after)])])
        }
        defer { for f in folders { try? FileManager.default.removeItem(atPath: f) } }
        let summary = try RunSummary(folders: folders)
        #expect(summary.metric == "success_rate")
        #expect(summary.runs.map(\.steps) == [2, 2, 2] && summary.runs.map(\.wallTime) == [3, 3, 3])
        let s = summary.statistics
        // after: mean 0.8, sample variance ((−0.1)² + 0 + 0.1²)/2 = 0.01, SE √(0.01/3).
        #expect(abs(s.after.mean - 0.8) < 1e-15 && abs(s.after.standardError! - (0.01 / 3).squareRoot()) < 1e-15)
        // before: 0.5, 0.5, 0.4 → mean 14/30; change: 0.2, 0.3, 0.5 → mean 1/3, variance (1/90 + 1/900 + 16/900)/2.
        #expect(abs(s.before!.mean - 14.0 / 30) < 1e-15)
        #expect(abs(s.change!.mean - 1.0 / 3) < 1e-15)
        let changeVariance = (pow(0.2 - 1.0 / 3, 2) + pow(0.3 - 1.0 / 3, 2) + pow(0.5 - 1.0 / 3, 2)) / 2
        #expect(abs(s.change!.standardError! - (changeVariance / 3).squareRoot()) < 1e-15)
        #expect(try RunSummary(folders: folders, metric: "return").runs.map(\.after) == [-1, -1, -1])
    }

    @Test func oneRunHasNoStandardErrorAndMissingMetricsAreTypedErrors() throws {
        let folder = try run([StepMetrics(step: 3, wallTime: 1, values: [("eval_accuracy", 0.25)])])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let s = try RunSummary(folders: [folder]).statistics
        #expect(s.before == nil && s.change == nil && s.after.mean == 0.25 && s.after.standardError == nil)
        #expect(throws: InputError.self) { try RunSummary(folders: [folder], metric: "reward") }
        #expect(throws: InputError.self) { try RunSummary(folders: []) }
    }
}
