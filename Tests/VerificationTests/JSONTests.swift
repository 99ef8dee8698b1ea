import Testing
import Verification

@Suite("JSON")
struct JSONTests {
    @Test("numbers parse with correct rounding and print as shortest round-trip decimals")
    func numbers() throws {
        let v = try JSONValue(parsing: #"[0.1, 1e-300, -0.0, 3, 1.7976931348623157e308, "nan", "-inf"]"#)
        guard case .array(let xs) = v else { Issue.record("not an array"); return }
        #expect(xs[0] == .number(0.1))
        #expect(xs[1] == .number(1e-300))
        #expect(xs[6].numberValue == -.infinity)
        #expect(xs[5].numberValue!.isNaN)
        #expect(v.serialized() == #"[0.1, 1e-300, -0.0, 3, 1.7976931348623157e+308, "nan", "-inf"]"#)
        #expect(try JSONValue(parsing: v.serialized()) == v)
    }

    @Test("strings with escapes and non-ASCII text round-trip")
    func strings() throws {
        let text = #"{"a": "line\nbreak \"q\" \u00e9 \ud83d\ude00 Ünï"}"#
        let v = try JSONValue(parsing: text)
        #expect(v == .object(JSONObject([("a", .string("line\nbreak \"q\" é 😀 Ünï"))])))
        #expect(try JSONValue(parsing: v.serialized()) == v)
    }

    @Test("control, bidi and separator characters are written as \\u escapes and read back unchanged")
    func unprintableStrings() throws {
        let v = JSONValue.string("a\u{1B}[31m\u{7F}\u{85}\u{202E}\u{2028}\u{FEFF}\u{F0000}é😀")
        #expect(v.serialized() == #""a\u001b[31m\u007f\u0085\u202e\u2028\ufeff\udb80\udc00é😀""#)
        #expect(try JSONValue(parsing: v.serialized()) == v)
    }

    @Test("malformed JSON names line and column", arguments: [
        ("{\n  \"a\": [1, 2,]\n}", 2, 14),
        ("{\"a\": 1} x", 1, 10),
        ("[1, 2", 1, 6),
        ("{\"a\": 01}", 1, 8),
    ])
    func syntaxErrors(_ example: (String, Int, Int)) {
        #expect {
            _ = try JSONValue(parsing: example.0)
        } throws: { error in
            guard let e = error as? JSONSyntaxError else { return false }
            return e.line == example.1 && e.column == example.2
        }
    }
}
