/// Drawing playing cards and wrapped text on a task canvas (Specs/GymCards.md, "Observations").
extension Canvas {
    /// The felt green the original card games use as background (#35654d).
    static let tableGreen = Color(red: 0x35, green: 0x65, blue: 0x4d)
    static let cardBackBlue = Color(red: 40, green: 60, blue: 150)

    /// Draws `card` face up: a white rectangle with a dark outline, the rank at `rankScale` centred at
    /// the top and the suit letter at `suitScale` centred below it (red for diamonds and hearts).
    /// `10` is kerned one font pixel tighter so it fits a narrow card.
    mutating func drawCard(_ card: PlayingCard, x: Int, y: Int, width: Int, height: Int, rankScale: Int, suitScale: Int) {
        fillRectangle(x: x, y: y, width: width, height: height, color: .white)
        strokeRectangle(x: x, y: y, width: width, height: height, color: .black)
        let ink: Color = card.suit.isRed ? .red : .black
        let label = card.rankLabel
        let kerning = label.unicodeScalars.count > 1 ? rankScale : 0
        let labelWidth = BitmapFont.width(of: label, scale: rankScale) - kerning * (label.unicodeScalars.count - 1)
        var penX = x + (width - labelWidth) / 2
        for scalar in label.unicodeScalars {
            _ = drawText(String(scalar), x: penX, y: y + 2, scale: rankScale, color: ink)
            penX += BitmapFont.advance * rankScale - kerning
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

    /// Draws `words` left-aligned from (`x`, `y`), breaking lines between words so that no line is
    /// wider than `maxWidth` (a single longer word is broken by characters); returns the y below the
    /// last line.
    @discardableResult
    mutating func drawWrappedText(_ words: [String], x: Int, y: Int, maxWidth: Int, scale: Int, lineSpacing: Int,
                                  color: Color) -> Int {
        let perLine = max(1, (maxWidth + scale) / (BitmapFont.advance * scale))
        var lines: [String] = []
        var current = ""
        for word in words {
            let candidate = current.isEmpty ? word : current + " " + word
            if candidate.unicodeScalars.count <= perLine {
                current = candidate
            } else {
                if !current.isEmpty { lines.append(current) }
                current = word
                while current.unicodeScalars.count > perLine {
                    let scalars = Array(current.unicodeScalars)
                    lines.append(String(String.UnicodeScalarView(scalars[..<perLine])))
                    current = String(String.UnicodeScalarView(scalars[perLine...]))
                }
            }
        }
        if !current.isEmpty { lines.append(current) }
        var lineY = y
        for line in lines {
            _ = drawText(line, x: x, y: lineY, scale: scale, color: color)
            lineY += BitmapFont.glyphHeight * scale + lineSpacing
        }
        return lineY
    }
}
