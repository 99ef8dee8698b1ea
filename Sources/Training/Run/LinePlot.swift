import Foundation
import Tasks
import Tensor

/// A line chart drawn on a `Canvas` with the built-in bitmap font: title, framed plot area, "nice"
/// ticks with labels on both axes, axis names and a legend. Non-finite points are skipped (a gap).
public struct LinePlot: Sendable {
    public struct Series: Sendable {
        public var label: String
        public var points: [(x: Double, y: Double)]
        public init(label: String, points: [(x: Double, y: Double)]) {
            self.label = label
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var width = 640
    public var height = 400

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    static let palette: [Color] = [.blue, .red, .green, .orange, .purple, .gray]

    /// Tick positions covering [low, high]: about `count` steps of 1, 2 or 5 × 10^k.
    static func ticks(low: Double, high: Double, count: Int = 5) -> [Double] {
        guard high > low else { return [low] }
        let raw = (high - low) / Double(count)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = (low / step).rounded(.up) * step
        return stride(from: first, through: high + step * 1e-9, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    static func label(_ value: Double) -> String {
        let text = abs(value) >= 1e5 || (abs(value) < 1e-3 && value != 0) ? String(format: "%.1e", value) : String(format: "%g", value)
        return text
    }

    /// Each point replaced by the mean of the finite values among it and the `window − 1` before it.
    public static func movingAverage(_ points: [(x: Double, y: Double)], window: Int) -> [(x: Double, y: Double)] {
        guard window > 1 else { return points }
        return points.indices.map { i in
            let recent = points[max(0, i - window + 1)...i].map(\.y).filter(\.isFinite)
            return (points[i].x, recent.isEmpty ? .nan : recent.reduce(0, +) / Double(recent.count))
        }
    }

    /// The chart as an RGB canvas.
    public func render() -> Canvas {
        var canvas = Canvas(width: width, height: height)
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let (left, right, top, bottom) = (70, width - 20, 40, height - 60)
        canvas.drawText(title, x: max(2, (width - BitmapFont.width(of: title, scale: 2)) / 2), y: 8, scale: 2)
        canvas.drawText(yLabel, x: 4, y: top - 14)
        canvas.drawText(xLabel, x: (left + right - BitmapFont.width(of: xLabel)) / 2, y: bottom + 22)
        canvas.strokeRectangle(x: left, y: top, width: right - left + 1, height: bottom - top + 1, color: .black)
        guard var xLow = finite.map(\.x).min(), var xHigh = finite.map(\.x).max(),
              var yLow = finite.map(\.y).min(), var yHigh = finite.map(\.y).max() else {
            canvas.drawText("no finite data", x: left + 10, y: top + 10, color: .gray)
            return canvas
        }
        if xHigh == xLow { xLow -= 0.5; xHigh += 0.5 }
        if yHigh == yLow { yLow -= max(0.5, abs(yLow) * 0.1); yHigh += max(0.5, abs(yHigh) * 0.1) }
        let pad = (yHigh - yLow) * 0.05
        yLow -= pad; yHigh += pad
        func px(_ x: Double) -> Int { left + Int(((x - xLow) / (xHigh - xLow) * Double(right - left)).rounded()) }
        func py(_ y: Double) -> Int { bottom - Int(((y - yLow) / (yHigh - yLow) * Double(bottom - top)).rounded()) }
        for tick in Self.ticks(low: yLow, high: yHigh) {
            let y = py(tick)
            canvas.drawLine(from: (left + 1, y), to: (right - 1, y), color: .lightGray)
            canvas.drawLine(from: (left - 4, y), to: (left, y), color: .black)
            let text = Self.label(tick)
            canvas.drawText(text, x: left - 7 - BitmapFont.width(of: text), y: y - 3)
        }
        for tick in Self.ticks(low: xLow, high: xHigh) {
            let x = px(tick)
            canvas.drawLine(from: (x, bottom), to: (x, bottom + 4), color: .black)
            let text = Self.label(tick)
            canvas.drawText(text, x: x - BitmapFont.width(of: text) / 2, y: bottom + 8)
        }
        for (index, line) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            var previous: (Int, Int)?
            for point in line.points {
                guard point.x.isFinite, point.y.isFinite else { previous = nil; continue }
                let current = (px(point.x), py(point.y))
                if let previous { canvas.drawLine(from: previous, to: current, color: color) } else {
                    canvas.set(x: current.0, y: current.1, to: color)
                }
                previous = current
            }
            let legendY = top + 6 + index * 11
            canvas.fillRectangle(x: right - 110, y: legendY + 2, width: 10, height: 3, color: color)
            canvas.drawText(line.label, x: right - 96, y: legendY, color: color)
        }
        return canvas
    }
}
