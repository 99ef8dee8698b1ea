extension StringProtocol {
    /// The text made fit to embed in a one-line message, as every error message in RLRef must be:
    /// line breaks, tabs, control, format (bidi marks included), separator, private-use and
    /// unassigned characters are escaped (`\n`, `\t`, `\r`, `\u{1B}`), and text whose escaped form
    /// passes `limit` characters is cut with an ellipsis and its full length in characters (Unicode
    /// scalars): `"abc…" (123456 characters)`. `quoted` wraps the text in double quotes and escapes
    /// `"` and `\` inside them; unquoted text (a path already in a message, serialised JSON) keeps
    /// them, so sanitising a sanitised message changes nothing.
    public func sanitizedForMessage(quoted: Bool = true, limit: Int = 160) -> String {
        var out = ""
        var length = 0
        var elided = false
        for scalar in unicodeScalars {
            let piece: String
            switch scalar {
            case "\n": piece = "\\n"
            case "\r": piece = "\\r"
            case "\t": piece = "\\t"
            case "\"" where quoted, "\\" where quoted: piece = "\\" + String(scalar)
            case _ where scalar.isPrintableInMessage: piece = String(scalar)
            default: piece = "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
            length += piece.unicodeScalars.count
            if length > limit {
                elided = true
                break
            }
            out += piece
        }
        if elided { out += "…" }
        if quoted { out = "\"" + out + "\"" }
        if elided { out += " (\(unicodeScalars.count) characters)" }
        return out
    }
}

extension Unicode.Scalar {
    /// Whether a terminal shows the scalar as itself on the current line (the space is the only
    /// separator that does). Messages and JSON output escape the others.
    public var isPrintableInMessage: Bool {
        switch properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned: false
        case .spaceSeparator: self == " "
        default: true
        }
    }
}
