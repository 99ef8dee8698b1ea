import Foundation

/// Reports a run's progress on standard error: on a terminal, one live line redrawn in place (bar,
/// step, ETA, steps per second, latest metrics); otherwise a plain log line every `logEvery` steps and
/// at the last step. `finish` prints the one-line summary.
public struct ProgressReporter {
    public let totalSteps: Int
    public let isTerminal: Bool
    public let logEvery: Int
    private let firstStep: Int
    private let start = Date()
    /// Metrics shown on the line, in this order, when a step reports them.
    public static let featured = ["reward", "loss", "kl", "clip_fraction", "entropy", "value_loss", "success_rate", "accuracy",
                                  "eval_accuracy", "eval_object_recall", "eval_success_rate"]

    public init(totalSteps: Int, firstStep: Int, logEvery: Int = 10,
                isTerminal: Bool = isatty(FileHandle.standardError.fileDescriptor) != 0) {
        self.totalSteps = totalSteps
        self.firstStep = firstStep
        self.logEvery = max(1, logEvery)
        self.isTerminal = isTerminal
    }

    /// The text of the progress line after `metrics` (also what the plain log prints).
    public func line(for metrics: StepMetrics, width: Int = 24) -> String {
        let done = metrics.step - firstStep
        let elapsed = Date().timeIntervalSince(start)
        let rate = done > 0 && elapsed > 0 ? Double(done) / elapsed : 0
        let remaining = rate > 0 ? Double(totalSteps - metrics.step) / rate : .nan
        let fraction = totalSteps > 0 ? Double(metrics.step) / Double(totalSteps) : 1
        let filled = min(width, Int((fraction * Double(width)).rounded(.down)))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let shown = Self.featured.compactMap { name in metrics[name].map { "\(name) \(Self.format($0))" } }
        return "[\(bar)] step \(metrics.step)/\(totalSteps)  \(String(format: "%.2f", rate)) steps/s  ETA \(Self.duration(remaining))"
            + (shown.isEmpty ? "" : "  " + shown.joined(separator: "  "))
    }

    /// Shows the progress after one step.
    public func report(_ metrics: StepMetrics) {
        if isTerminal {
            Self.write("\r\u{1B}[K" + line(for: metrics))
        } else if metrics.step % logEvery == 0 || metrics.step == totalSteps {
            Self.write(line(for: metrics) + "\n")
        }
    }

    /// A message on its own line (ends the live line first on a terminal).
    public func message(_ text: String) {
        Self.write((isTerminal ? "\r\u{1B}[K" : "") + text + "\n")
    }

    /// The closing summary: how the run ended, steps done, wall time, the last metrics, then `hint`.
    public func finish(last: StepMetrics?, status: String, hint: String) {
        let elapsed = Date().timeIntervalSince(start)
        let shown = last.map { m in Self.featured.compactMap { name in m[name].map { "\(name) \(Self.format($0))" } } } ?? []
        message("\(status) at step \(last?.step ?? firstStep)/\(totalSteps) after \(Self.duration(elapsed))"
                + (shown.isEmpty ? "" : " (" + shown.joined(separator: ", ") + ")") + "; " + hint)
    }

    static func format(_ value: Double) -> String {
        value.isFinite ? String(format: abs(value) >= 1e4 || (abs(value) < 1e-3 && value != 0) ? "%.3e" : "%.4f", value) : "\(value)"
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
