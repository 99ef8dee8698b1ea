/// Drawing playing cards and wrapped text on a task canvas (Specs/GymCards.md, "Observations").
extension Canvas {
    /// The felt green the original card games use as background (#35654d).
    static let tableGreen = Color(red: 0x35, green: 0x65, blue: 0x4d)
    static let cardBackBlue = Color(red: 40, green: 60, blue: 150)

    /// Draws `card` face up: a white rectangle with a dark outline, the rank at `rankScale` centred at
    /// the top and the suit letter at `suitScale` centred below it (red for diamonds and hearts).
    /// `10` is drawn with its digits one blank column apart so it fits a narrow card.
    mutating func drawCard(_ card: PlayingCard, x: Int, y: Int, width: Int, height: Int, rankScale: Int, suitScale: Int) {
        fillRectangle(x: x, y: y, width: width, height: height, color: .white)
        strokeRectangle(x: x, y: y, width: width, height: height, color: .black)
        let ink: Color = card.suit.isRed ? .red : .black
        let label = card.rankLabel
        if label == "10" {
            // The glyph of 1 has ink in columns 1–3 only: draw it one column left and the 0 after one
            // blank column, 9 font pixels of ink in all, so 10 fits a narrow card.
            let start = x + (width - 9 * rankScale) / 2
            _ = drawText("1", x: start - rankScale, y: y + 2, scale: rankScale, color: ink)
            _ = drawText("0", x: start + 4 * rankScale, y: y + 2, scale: rankScale, color: ink)
        } else {
            let labelWidth = BitmapFont.width(of: label, scale: rankScale)
            _ = drawText(label, x: x + (width - labelWidth) / 2, y: y + 2, scale: rankScale, color: ink)
        }
        let suitY = y + 2 + BitmapFont.glyphHeight * rankScale + max(1, rankScale / 2)
        let suitWidth = BitmapFont.width(of: card.suit.letter, scale: suitScale)
        _ = drawText(card.suit.letter, x: x + (width - suitWidth) / 2, y: suitY, scale: suitScale, color: ink)
    }

    /// Draws a face-down card: outlined, filled blue with a white inner frame.
    mutating func drawCardBack(x: Int, y: Int, width: Int, height: Int) {
        fillRectangle(x: x, y: y, width: width, height: height, color: .white)
        strokeRectangle(x: x, y: y, width: width, height: height, color: .black)
        fillRectangle(x: x + 2, y: y + 2, width: width - 4, height: height - 4, color: Self.cardBackBlue)
    }

    /// `words` broken into lines between words so that no line is wider than `maxWidth` at `scale`
    /// (a single longer word is broken by characters).
    static func wrappedLines(_ words: [String], maxWidth: Int, scale: Int) -> [String] {
        let perLine = max(1, (maxWidth + scale) / (BitmapFont.advance * scale))
        var lines: [String] = []
        var current = ""
        for word in words {
            let candidate = current.isEmpty ? word : current + " " + word
            if candidate.unicodeScalars.count <= perLine {
                current = candidate
                continue
            }
            if !current.isEmpty { lines.append(current) }
            var scalars = Array(word.unicodeScalars)
            while scalars.count > perLine {
                lines.append(String(String.UnicodeScalarView(scalars[..<perLine])))
                scalars.removeFirst(perLine)
            }
            current = String(String.UnicodeScalarView(scalars))
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// Draws `words` wrapped to `maxWidth` from (`x`, `y`) at the largest of `scales` whose lines fit
    /// in `maxHeight` (the last scale otherwise, clipped at the canvas edge).
    mutating func drawWrappedText(_ words: [String], x: Int, y: Int, maxWidth: Int, maxHeight: Int, scales: [Int],
                                  lineSpacing: Int, color: Color) {
        guard let fallback = scales.last else { return }
        let scale = scales.first { scale in
            let lines = Self.wrappedLines(words, maxWidth: maxWidth, scale: scale).count
            return lines * (BitmapFont.glyphHeight * scale + lineSpacing) - lineSpacing <= maxHeight
        } ?? fallback
        var lineY = y
        for line in Self.wrappedLines(words, maxWidth: maxWidth, scale: scale) {
            _ = drawText(line, x: x, y: lineY, scale: scale, color: color)
            lineY += BitmapFont.glyphHeight * scale + lineSpacing
        }
    }
}
