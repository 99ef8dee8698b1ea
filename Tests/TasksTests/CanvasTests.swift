import Testing
import Tasks

@Suite struct CanvasTests {
    @Test func textDrawsEachGlyphBitAsOnePixel() {
        var canvas = Canvas(width: 12, height: 9)
        let end = canvas.drawText("T1", x: 1, y: 1, color: .black)
        #expect(end == 1 + 2 * BitmapFont.advance)
        // "T": top row full, then the middle column only.
        for x in 1...5 { #expect(canvas.color(x: x, y: 1) == .black) }
        #expect(canvas.color(x: 3, y: 4) == .black)
        #expect(canvas.color(x: 1, y: 4) == .white)
        // The blank column between glyphs and the margin stay paper.
        for y in 0..<9 { #expect(canvas.color(x: 6, y: y) == .white) }
        #expect(canvas.color(x: 0, y: 0) == .white)
    }

    @Test func everyPrintableCharacterHasADistinctGlyph() {
        let printable = (32...126).map { Unicode.Scalar($0)! }
        let glyphs = printable.map { BitmapFont.glyph(for: $0) }
        #expect(Set(glyphs.map { $0.map(String.init).joined(separator: ",") }).count == printable.count)
        #expect(glyphs.allSatisfy { $0.count == BitmapFont.glyphHeight && $0.allSatisfy { $0 < 32 } })
        #expect(BitmapFont.glyph(for: "é") == BitmapFont.glyph(for: "?"))
        #expect(BitmapFont.width(of: "abc", scale: 2) == 34)
    }

    @Test func filledShapesCoverTheirAreaAndClipAtTheBorder() {
        var canvas = Canvas(width: 40, height: 40)
        canvas.fillCircle(centerX: 20, centerY: 20, radius: 10, color: .red)
        let red = (0..<40).flatMap { y in (0..<40).map { x in canvas.color(x: x, y: y) } }.filter { $0 == .red }.count
        #expect(abs(Double(red) - Double.pi * 100) < 15)
        canvas = Canvas(width: 40, height: 40)
        canvas.fillPolygon([(0, 0), (40, 0), (0, 40)], color: .blue)
        let blue = (0..<40).flatMap { y in (0..<40).map { x in canvas.color(x: x, y: y) } }.filter { $0 == .blue }.count
        #expect(abs(blue - 800) <= 40)
        canvas.fillRectangle(x: -5, y: 35, width: 100, height: 100, color: .green)
        #expect(canvas.color(x: 39, y: 39) == .green && canvas.color(x: 39, y: 34) != .green)
        canvas.drawLine(from: (-3, -3), to: (50, 50), color: .black)
        #expect(canvas.color(x: 10, y: 10) == .black)
    }
}
