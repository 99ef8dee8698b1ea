import Foundation
import Tensor

/// One validation metric across runs of a recipe (one run per seed): each run's value before its first
/// step (the step-0 evaluation of a fresh run) and at its last evaluation, and their mean ± standard
/// error across runs — the numbers of the README's results table (`rlref summarize`).
public struct RunSummary: Sendable {
    public struct Run: Sendable {
        public var folder: String
        /// `eval_METRIC` at step 0, when the run logged one.
        public var before: Double?
        /// `eval_METRIC` of the last step that reported it.
        public var after: Double
        public var steps: Int
        /// Seconds from the start to the last logged step.
        public var wallTime: Double
    }

    /// The metric without its `eval_` prefix.
    public let metric: String
    public let runs: [Run]

    /// Reads each folder's metrics log. `metric` nil takes the headline: the first `eval_` metric of
    /// the first folder's first evaluation.
    /// - Throws: `empty` (no folders), `invalidArgument` naming a folder without the metric, and the
    ///   metrics log's typed errors.
    public init(folders: [String], metric: String? = nil) throws {
        guard let first = folders.first else { throw InputError.empty(argument: "runs", reason: "give at least one run folder") }
        let histories = try folders.map { try MetricsLog.read(folder: $0) }
        guard let name = metric ?? histories[0].lazy.compactMap({ $0.values.first { $0.name.hasPrefix("eval_") }?.name }).first
                .map({ String($0.dropFirst(5)) }) else {
            throw InputError.invalidArgument(argument: first, reason: "has no evaluation (eval_*) in \(MetricsLog.fileName)")
        }
        self.metric = name
        runs = try zip(folders, histories).map { folder, history in
            guard let last = history.last(where: { $0["eval_" + name] != nil }) else {
                throw InputError.invalidArgument(argument: folder, reason: "has no eval_\(name) in \(MetricsLog.fileName)")
            }
            return Run(folder: folder, before: history.first { $0.step == 0 }?["eval_" + name], after: last["eval_" + name]!,
                       steps: history.last?.step ?? 0, wallTime: history.last?.wallTime ?? 0)
        }
    }

    /// The mean and, for two or more values, the standard error (sample standard deviation / √n).
    public static func meanAndStandardError(_ values: [Double]) -> (mean: Double, standardError: Double?) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        guard values.count >= 2 else { return (mean, nil) }
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        return (mean, (variance / n).squareRoot())
    }

    /// `before`, `after` and the paired change, each as mean ± standard error over the runs that have
    /// a step-0 value (`before` and `change` nil when none has).
    public var statistics: (before: (mean: Double, standardError: Double?)?, after: (mean: Double, standardError: Double?),
                            change: (mean: Double, standardError: Double?)?) {
        let paired = runs.compactMap { run in run.before.map { (before: $0, after: run.after) } }
        return (paired.isEmpty ? nil : Self.meanAndStandardError(paired.map(\.before)),
                Self.meanAndStandardError(runs.map(\.after)),
                paired.isEmpty ? nil : Self.meanAndStandardError(paired.map { $0.after - $0.before }))
    }
}
