import Tensor

extension JSONValue {
    /// The value as JSON text. Doubles are written as shortest round-trip decimals (Swift's
    /// `description`), integral values without a fraction, non-finite values as "nan"/"inf"/"-inf"
    /// strings (the golden format's convention). Control, format (bidi), separator, private-use and
    /// unassigned characters in strings are written as `\u` escapes, so printed output cannot drive
    /// a terminal. `indent` > 0 pretty-prints arrays of containers and objects; arrays of scalars
    /// stay on one line.
    public func serialized(indent: Int = 0) -> String {
        var out = ""
        write(to: &out, indent: indent, level: 0)
        return out
    }

    private func write(to out: inout String, indent: Int, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += JSONValue.format(d)
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            let flat = indent == 0 || items.allSatisfy { if case .array = $0 { false } else if case .object = $0 { false } else { true } }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += flat ? ", " : "," }
                if !flat { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                item.write(to: &out, indent: indent, level: level + 1)
            }
            if !flat && !items.isEmpty { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, (key, value)) in object.enumerated() {
                if i > 0 { out += indent == 0 ? ", " : "," }
                if indent > 0 { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                JSONValue.writeString(key, to: &out)
                out += ": "
                value.write(to: &out, indent: indent, level: level + 1)
            }
            if indent > 0 && object.count > 0 { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "}"
        }
    }

    /// Shortest round-trip decimal for finite values; "nan"/"inf"/"-inf" (quoted) otherwise.
    static func format(_ d: Double) -> String {
        if d.isNaN { return "\"nan\"" }
        if d.isInfinite { return d > 0 ? "\"inf\"" : "\"-inf\"" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return d.description
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where !scalar.isPrintableInMessage:
                for unit in String(scalar).utf16 {   // a surrogate pair beyond the BMP
                    let hex = String(unit, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
