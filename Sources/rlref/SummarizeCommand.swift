import ArgumentParser
import Foundation
import Tensor
import Training

/// `rlref summarize RUN…`: one validation metric before and after each run, and mean ± standard error
/// over the runs (seeds of one recipe).
struct SummarizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summarize",
        abstract: "Print a validation metric of run folders before their first step and at their last evaluation, with mean ± standard error over the runs.")

    @Argument(help: "Run folders (each with metrics.jsonl), e.g. the seeds of one recipe.")
    var runs: [String]

    @Option(name: .long, help: "The metric without its eval_ prefix (default: the run's headline metric).")
    var metric: String?

    func run() throws {
        let summary: RunSummary
        do { summary = try RunSummary(folders: runs, metric: metric) } catch let error as InputError { throw CLIError("\(error)") }
        func number(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "—" }
        func stat(_ s: (mean: Double, standardError: Double?)?) -> String {
            guard let s else { return "—" }
            return number(s.mean) + (s.standardError.map { " ± " + String(format: "%.3f", $0) } ?? "")
        }
        print("run\tsteps\twall\tbefore\tafter")
        for run in summary.runs {
            print("\(run.folder)\t\(run.steps)\t\(String(format: "%.0f s", run.wallTime))\t\(number(run.before))\t\(number(run.after))")
        }
        let s = summary.statistics
        print("\(summary.metric): before \(stat(s.before)), after \(stat(s.after)), change \(stat(s.change)) (mean ± standard error over \(summary.runs.count) run\(summary.runs.count == 1 ? "" : "s"))")
    }
}
