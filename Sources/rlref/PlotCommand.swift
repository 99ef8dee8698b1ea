import ArgumentParser
import Foundation
import Tensor
import Training

/// `rlref plot`: one PNG with a metric of several runs over steps (e.g. three seeds of a recipe).
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot", abstract: "Draw a metric of one or more run folders over steps as a PNG (one line per run).")

    @Argument(help: "Run folders (each with metrics.jsonl).")
    var runs: [String]

    @Option(name: .long, help: "The metric to draw (a key of metrics.jsonl).")
    var metric = "reward"

    @Option(name: .long, help: "Output PNG file.")
    var out: String

    @Option(name: .long, help: "Chart title (default: the metric).")
    var title: String?

    @Option(name: .long, help: "Moving-average window in steps (1: raw values).")
    var smooth = 1

    func run() throws {
        guard !runs.isEmpty else { throw CLIError("give at least one run folder") }
        guard smooth >= 1 else { throw CLIError("--smooth: must be 1 or more") }
        do {
            let series = try runs.map { folder -> LinePlot.Series in
                let history = try MetricsLog.read(folder: folder)
                let points = history.compactMap { m in m[metric].map { (x: Double(m.step), y: $0) } }
                guard !points.isEmpty else {
                    throw CLIError("\(folder.sanitizedForMessage()) has no \(metric.sanitizedForMessage()) in \(MetricsLog.fileName)")
                }
                return LinePlot.Series(label: (folder as NSString).lastPathComponent, points: LinePlot.movingAverage(points, window: smooth))
            }
            let plot = LinePlot(title: title ?? metric, xLabel: "step", yLabel: metric, series: series)
            try plot.render().image.write(to: out)
        } catch let error as InputError {
            throw CLIError("\(error)")
        } catch let error as PNGError {
            throw CLIError("\(error)")
        }
    }
}
