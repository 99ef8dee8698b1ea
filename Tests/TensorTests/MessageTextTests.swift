import Tensor
import Testing

@Suite("Message text")
struct MessageTextTests {
    @Test("control, bidi and separator characters are escaped; UTF-8 text stays as it is", arguments: [
        ("plain é 😀", #""plain é 😀""#),
        ("a\nb\tc\r", #""a\nb\tc\r""#),
        ("\u{1B}[31mred\u{0}", #""\u{1B}[31mred\u{0}""#),
        ("left\u{202E}right\u{2066}", #""left\u{202E}right\u{2066}""#),
        ("\u{2028}\u{FEFF}\u{A0}\u{85}", #""\u{2028}\u{FEFF}\u{A0}\u{85}""#),
        (#"say "hi" \ now"#, #""say \"hi\" \\ now""#),
    ])
    func escapes(_ example: (String, String)) {
        #expect(example.0.sanitizedForMessage() == example.1)
    }

    @Test("long text is elided with its length; the result is bounded whatever the input")
    func elision() {
        let long = String(repeating: "abc", count: 41_152)
        #expect(long.sanitizedForMessage(limit: 3) == #""abc…" (123456 characters)"#)
        let escapes = String(repeating: "\u{1B}", count: 10_000)
        #expect(escapes.sanitizedForMessage(limit: 80).count < 120)
        #expect("short".sanitizedForMessage(limit: 5) == #""short""#)
    }

    @Test("unquoted sanitising keeps quotes and backslashes, so a sanitised message is unchanged by another pass")
    func idempotent() {
        let message = "x: \("\u{1B}\n\"q\"".sanitizedForMessage()) at \\path"
        #expect(message.sanitizedForMessage(quoted: false, limit: 1000) == message)
    }
}
