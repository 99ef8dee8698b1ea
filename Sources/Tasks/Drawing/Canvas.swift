import Tensor

/// An RGB raster that tasks draw observations on and plots draw charts on; rows top to bottom,
/// x to the right. Drawing outside the canvas is clipped, never an error.
public struct Canvas: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// `height·width·3` bytes, row-major, RGB interleaved.
    public private(set) var pixels: [UInt8]

    /// A canvas filled with `background`.
    /// - Precondition: `width` and `height` are positive (callers pass the task's fixed sizes).
    public init(width: Int, height: Int, background: Color = .white) {
        precondition(width > 0 && height > 0, "canvas size must be positive")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for start in stride(from: 0, to: pixels.count, by: 3) {
            pixels[start] = background.red
            pixels[start + 1] = background.green
            pixels[start + 2] = background.blue
        }
    }

    /// The colour at (`x`, `y`), which must lie on the canvas.
    public func color(x: Int, y: Int) -> Color {
        let start = (y * width + x) * 3
        return Color(red: pixels[start], green: pixels[start + 1], blue: pixels[start + 2])
    }

    /// Paints one pixel; a point off the canvas is ignored.
    public mutating func set(x: Int, y: Int, to color: Color) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let start = (y * width + x) * 3
        pixels[start] = color.red
        pixels[start + 1] = color.green
        pixels[start + 2] = color.blue
    }

    /// Fills the axis-aligned rectangle with top-left (`x`, `y`) and the given size.
    public mutating func fillRectangle(x: Int, y: Int, width w: Int, height h: Int, color: Color) {
        for row in max(0, y)..<max(max(0, y), min(height, y + h)) {
            for column in max(0, x)..<max(max(0, x), min(width, x + w)) {
                set(x: column, y: row, to: color)
            }
        }
    }

    /// Draws the one-pixel outline of a rectangle.
    public mutating func strokeRectangle(x: Int, y: Int, width w: Int, height h: Int, color: Color) {
        drawLine(from: (x, y), to: (x + w - 1, y), color: color)
        drawLine(from: (x, y + h - 1), to: (x + w - 1, y + h - 1), color: color)
        drawLine(from: (x, y), to: (x, y + h - 1), color: color)
        drawLine(from: (x + w - 1, y), to: (x + w - 1, y + h - 1), color: color)
    }

    /// Fills the disc of pixels whose centres lie within `radius` of (`centerX`, `centerY`).
    public mutating func fillCircle(centerX: Double, centerY: Double, radius: Double, color: Color) {
        let top = Int((centerY - radius).rounded(.down)), bottom = Int((centerY + radius).rounded(.up))
        let left = Int((centerX - radius).rounded(.down)), right = Int((centerX + radius).rounded(.up))
        for y in max(0, top)...max(max(0, top), min(height - 1, bottom)) {
            for x in max(0, left)...max(max(0, left), min(width - 1, right)) {
                let dx = Double(x) + 0.5 - centerX, dy = Double(y) + 0.5 - centerY
                if dx * dx + dy * dy <= radius * radius { set(x: x, y: y, to: color) }
            }
        }
    }

    /// Fills a convex or concave polygon (even–odd rule) sampled at pixel centres.
    public mutating func fillPolygon(_ points: [(x: Double, y: Double)], color: Color) {
        guard points.count >= 3 else { return }
        let ys = points.map(\.y)
        let top = max(0, Int(ys.min()!.rounded(.down))), bottom = min(height - 1, Int(ys.max()!.rounded(.up)))
        guard top <= bottom else { return }
        var crossings: [Double] = []
        for y in top...bottom {
            let sampleY = Double(y) + 0.5
            crossings.removeAll(keepingCapacity: true)
            for index in points.indices {
                let a = points[index], b = points[(index + 1) % points.count]
                if (a.y <= sampleY) != (b.y <= sampleY) {
                    crossings.append(a.x + (sampleY - a.y) / (b.y - a.y) * (b.x - a.x))
                }
            }
            crossings.sort()
            for pair in stride(from: 0, to: crossings.count - 1, by: 2) {
                let first = Int((crossings[pair] - 0.5).rounded(.up))
                let last = Int((crossings[pair + 1] - 0.5).rounded(.down))
                if first <= last {
                    for x in max(0, first)...max(max(0, first), min(width - 1, last)) { set(x: x, y: y, to: color) }
                }
            }
        }
    }

    /// Draws a one-pixel line between two pixel positions (Bresenham).
    public mutating func drawLine(from start: (Int, Int), to end: (Int, Int), color: Color) {
        var (x, y) = start
        let dx = abs(end.0 - x), dy = -abs(end.1 - y)
        let stepX = x < end.0 ? 1 : -1, stepY = y < end.1 ? 1 : -1
        var error = dx + dy
        while true {
            set(x: x, y: y, to: color)
            if x == end.0 && y == end.1 { return }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += stepX }
            if doubled <= dx { error += dx; y += stepY }
        }
    }

    /// Draws `text` in the built-in bitmap font with its top-left corner at (`x`, `y`), each font
    /// pixel `scale`×`scale` canvas pixels. Characters the font lacks are drawn as `?`.
    /// Returns the x just after the last character.
    @discardableResult
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 1, color: Color = .black) -> Int {
        var cursor = x
        for character in text.unicodeScalars {
            let glyph = BitmapFont.glyph(for: character)
            for (row, bits) in glyph.enumerated() {
                for column in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
                    fillRectangle(x: cursor + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
            cursor += BitmapFont.advance * scale
        }
        return cursor
    }

    /// The canvas as a 3-channel `PNGImage`, ready to write or to preprocess for the vision tower.
    public var image: PNGImage {
        // The size and byte count hold by construction.
        try! PNGImage(width: width, height: height, channels: 3, pixels: pixels)
    }
}
