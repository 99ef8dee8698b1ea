import Foundation
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Files and values as an outside user's mistakes and an attacker's files would hand `rlref eval` and
/// `rlref compare`, run in-process through the same path (parse, golden format, evaluation with
/// checked gradients, comparison): seeded byte-level mutations of every golden file and of `eval`
/// results, and hand-built hostile shapes in a case's inputs and cotangents. Every failure must be a
/// typed error whose message is one printable line of bounded length; a trap ends the test run.
@Suite("Hostile input")
struct HostileInputTests {
    /// The longest message accepted: `ComparisonReport.messageLimit` plus the elision suffix.
    static let maximumMessageLength = ComparisonReport.messageLimit + 40

    /// Records an issue unless `message` is one line of printable characters of bounded length. The
    /// test's own idea of unprintable (C0, DEL, C1, bidi controls, line and paragraph separators,
    /// the byte order mark), independent of `sanitizedForMessage`.
    static func expectPrintableLine(_ message: String, _ context: String) {
        let unprintable = message.unicodeScalars.first { s in
            s.value < 0x20 || (0x7F...0x9F).contains(s.value) || (0x202A...0x202E).contains(s.value)
                || (0x2066...0x2069).contains(s.value) || [0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF].contains(s.value)
        }
        if let unprintable {
            Issue.record("\(context): message holds U+\(String(unprintable.value, radix: 16)): \(message.debugDescription.prefix(300))")
        }
        if message.unicodeScalars.count > maximumMessageLength {
            Issue.record("\(context): message of \(message.unicodeScalars.count) characters: \(message.prefix(300))…")
        }
    }

    /// Runs `bytes` as `rlref eval` would, then compares the results with the file's own expectations
    /// as `rlref compare` would; evaluates only the cases whose inputs or cotangents differ from
    /// `original` (all when nil). Returns the messages produced.
    static func evalAndCompare(_ bytes: [UInt8], original: GoldenFile?) -> [String] {
        var messages: [String] = []
        do {
            let file = try GoldenFile(json: JSONValue(parsing: bytes), path: "mutant\u{1B}[2J.json", requireExpected: false)
            guard let evaluator = Catalog.evaluator(for: file.spec) else { return messages }
            let changed = file.cases.enumerated().filter { i, c in
                guard let original, i < original.cases.count else { return true }
                return c.inputs.object != original.cases[i].inputs.object || c.cotangents != original.cases[i].cotangents
            }.map(\.element)
            let (results, _) = try ExternalResults.evaluate(changed, with: evaluator)
            for (_, entry) in results {
                if case .object(let e) = entry, case .object(let error)? = e["error"], case .string(let m)? = error["message"] {
                    messages.append(m)
                }
            }
            messages += ExternalResults.compare(changed, results: results, precision: .float32).compactMap(\.failure)
        } catch let e as JSONSyntaxError {
            messages.append(e.description)
        } catch let e as GoldenFormatError {
            messages.append(e.description)
        } catch {
            Issue.record("untyped error \(type(of: error)): \(error)")
        }
        return messages
    }

    /// Runs `bytes` as another implementation's results against `golden`, as `rlref compare` would.
    static func compareResults(_ bytes: [UInt8], golden: GoldenFile) -> [String] {
        do {
            guard case .object(let results) = try JSONValue(parsing: bytes) else { return [] }
            return ExternalResults.compare(golden.cases, results: results, precision: .float64).compactMap(\.failure)
        } catch let e as JSONSyntaxError {
            return [e.description]
        } catch {
            Issue.record("untyped error \(type(of: error)): \(error)")
            return []
        }
    }

    /// Byte sequences a mutation inserts: control bytes, invalid and tricky UTF-8, bidi marks,
    /// structure, hostile numbers and escapes.
    static let hostileTokens: [[UInt8]] = [
        [0x00], [0x1B, 0x5B, 0x32, 0x4A], [0x07], [0x7F], [0xFF], [0xC3], [0xC3, 0xA9], [0xE2, 0x80, 0xAE],
        [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xEF, 0xBB, 0xBF], [0x0A],
    ] + ["[", "]", "{", "}", ",", ":", "\"", "\\", "[1, []]", "[[], [1]]", "[[1, 2], [3]]", "1e400", "-1e400",
         "1e-400", "-0", "99999999999999999999999999999", "\"nan\"", "\"-inf\"", "\"\\ud800\"", "\"\\udc00\"",
         "\"\\u0000\\u001b[31m\"", "null", "true", "{}", "[]", "0.", "01", "\"\u{202E}\u{2066}\"",
         String(repeating: "[", count: 600), String(repeating: "9", count: 5000)].map { Array($0.utf8) }

    /// One random byte-level mutation: overwrite, insert a hostile token, delete or duplicate a range.
    static func mutate(_ bytes: [UInt8], _ g: inout SeededGenerator) -> [UInt8] {
        var out = bytes
        let at = g.nextInt(below: out.count + 1)
        switch g.nextInt(below: 4) {
        case 0 where at < out.count: out[at] = UInt8(g.nextInt(below: 256))
        case 1: out.insert(contentsOf: hostileTokens[g.nextInt(below: hostileTokens.count)], at: at)
        case 2: out.removeSubrange(at..<min(out.count, at + 1 + g.nextInt(below: 16)))
        default:
            let end = min(out.count, at + 1 + g.nextInt(below: 64))
            out.insert(contentsOf: out[at..<end], at: g.nextInt(below: out.count + 1))
        }
        return out
    }

    /// `[inner, 0, 0, …]` nested `depth` times with `width` items per level: a few bytes per level
    /// whose first-element shape declares width^depth elements.
    static func enormousDeclaredArray(depth: Int, width: Int) -> JSONValue {
        var value = JSONValue.number(1)
        for _ in 0..<depth { value = .array([value] + Array(repeating: .number(0), count: width - 1)) }
        return value
    }

    /// Nested single-element arrays, `depth` deep, around one number.
    static func deeplyNested(_ depth: Int) -> JSONValue {
        (0..<depth).reduce(JSONValue.number(1)) { inner, _ in .array([inner]) }
    }

    /// Hand-built hostile values for an input or a cotangent.
    static let hostileValues: [JSONValue] = [
        .array([.number(1), .array([])]),
        .array([.array([.number(1), .number(2)]), .array([])]),
        .array([.array([]), .array([.number(1)])]),
        .array([.array([.number(1)]), .array([.array([.number(2)])])]),
        enormousDeclaredArray(depth: 12, width: 64),
        enormousDeclaredArray(depth: 4, width: 1000),
        deeplyNested(500),
        .number(1e308), .number(-1e308), .number(.leastNonzeroMagnitude), .number(-0.0), .number(9e18),
        .string("\u{0}\u{1B}[31mred\u{202E}evil\u{7}\n"), .string(String(repeating: "é\u{301}", count: 5_000)),
        .string("\u{FEFF}\u{2028}"), .object(JSONObject([("\u{1B}", .number(1))])), .null, .bool(true),
        .array(Array(repeating: .string("nan"), count: 3)), .array(Array(repeating: .number(1e300), count: 4)),
    ]

    /// A golden file with one case's input or cotangent replaced by a hostile value (or wrapped in
    /// or cut to a wrong shape), a cotangent on an unknown or non-numeric output, or a hostile id.
    static func structuralMutant(of root: JSONValue, _ g: inout SeededGenerator) -> JSONValue {
        guard case .object(var top) = root, case .array(var cases)? = top["cases"], !cases.isEmpty else { return root }
        let i = g.nextInt(below: cases.count)
        guard case .object(var c) = cases[i] else { return root }
        let hostile = hostileValues[g.nextInt(below: hostileValues.count)]
        func replacing(_ object: JSONObject) -> JSONObject {
            var o = object
            let keys = o.keys
            guard !keys.isEmpty else { return o }
            let key = keys[g.nextInt(below: keys.count)]
            switch g.nextInt(below: 3) {
            case 0: o[key] = hostile
            case 1: o[key] = .array([o[key]!])
            default: if case .array(let items)? = o[key] { o[key] = .array(Array(items.dropLast())) } else { o[key] = hostile }
            }
            return o
        }
        switch g.nextInt(below: 5) {
        case 0, 1:
            if case .object(let inputs)? = c["inputs"] { c["inputs"] = .object(replacing(inputs)) }
        case 2, 3:
            if case .object(var gradients)? = c["gradients"], case .object(var cot)? = gradients["cotangents"] {
                cot = g.nextInt(below: 4) == 0 ? cot : replacing(cot)
                if g.nextInt(below: 3) == 0, case .object(let expected)? = c["expected"] {
                    // A cotangent on no output, or on an output of any kind (strings included).
                    let names = ["no_such_output\u{1B}"] + expected.keys
                    cot[names[g.nextInt(below: names.count)]] = .number(1)
                }
                gradients["cotangents"] = .object(cot)
                c["gradients"] = .object(gradients)
            } else if case .object(let inputs)? = c["inputs"] {
                c["inputs"] = .object(replacing(inputs))
            }
        default:
            c["id"] = hostile == .null ? .string("\u{1B}]0;title\u{7}") : .string(hostile.serialized())
        }
        cases[i] = .object(c)
        top["cases"] = .array(cases)
        return .object(top)
    }

    /// The golden file `root` cut to its case `index` (every top-level key kept), so that a mutation
    /// costs a parse of one case rather than of the whole file.
    static func singleCase(_ index: Int, of root: JSONValue) -> JSONValue {
        guard case .object(var top) = root, case .array(let cases)? = top["cases"] else { return root }
        top["cases"] = .array([cases[index]])
        return .object(top)
    }

    @Test("seeded fuzz: mutated golden files and results give typed errors with one printable line each")
    func fuzz() throws {
        var g = SeededGenerator(seed: 12)
        var runs = 0, messages = 0
        for spec in Golden.library.specNames() {
            let evaluator = Catalog.evaluator(for: spec)
            for path in Golden.library.filePaths(spec: spec) {
                let root = try JSONValue(contentsOf: path)
                let caseCount = try GoldenFile(json: root, path: path).cases.count
                for round in 0..<60 {
                    let one = Self.singleCase(g.nextInt(below: caseCount), of: root)
                    let original = try GoldenFile(json: one, path: path)
                    let bytes = Array(one.serialized().utf8)
                    let produced: [String]
                    switch (round % 3, evaluator) {
                    case (0, _):
                        produced = Self.evalAndCompare(Self.mutate(Self.mutate(bytes, &g), &g), original: original)
                    case (1, _):
                        produced = Self.evalAndCompare(Array(Self.structuralMutant(of: one, &g).serialized().utf8), original: original)
                    case (_, let evaluator?):
                        let results = try ExternalResults.evaluate(original.cases, with: evaluator).results
                        produced = Self.compareResults(Self.mutate(Array(JSONValue.object(results).serialized().utf8), &g), golden: original)
                    default:
                        produced = []
                    }
                    runs += 1
                    messages += produced.count
                    for m in produced { Self.expectPrintableLine(m, "\(path) round \(round)") }
                }
            }
        }
        #expect(runs > 2000 && messages > 1000)
    }

    // One regression test per class of the fuzzing report.

    @Test("shape inference checks every level and element before reserving storage", arguments: [
        (enormousDeclaredArray(depth: 12, width: 64), "x[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]"),   // 64^12 overflows Int
        (enormousDeclaredArray(depth: 4, width: 1000), "x[0, 0, 1]"),   // 10^12 elements declared in 8 KB
        (JSONValue.array([.array([.number(1), .number(2)]), .array([])]), "x[1]"),
        (.array([.array([]), .array([.number(1)])]), "x[1]"),
        (.array([.array([.array([.number(1)])]), .array([.array([.number(2), .number(3)])])]), "x[1, 0]"),
    ])
    func raggedShapes(_ example: (JSONValue, String)) {
        do {
            _ = try JSONValue.tensor(from: example.0, argument: "x", as: Double.self)
        } catch let e as InputError {
            #expect(e.argument == example.1 && e.kind == "shape_mismatch", "\(e)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("a cotangent of the wrong shape, on no output or on a non-numeric output is an InputError for every evaluator",
          arguments: Catalog.evaluators.map(\.spec))
    func cotangentsChecked(_ spec: String) throws {
        let evaluator = try #require(Catalog.evaluator(for: spec))
        for c in try Golden.cases(spec) where c.cotangents != nil && c.expectedError == nil {
            let cotangents = try c.cotangentTensors()
            let outputs = try evaluator.evaluate(c.inputs, as: Double.self)
            let nonNumeric = outputs.keys.filter { if case .json = outputs[$0]! { true } else { false } }
            var variants: [(String, Tensor<Double>)] = [("no_such_output", Tensor(scalar: 1))] + nonNumeric.map { ($0, Tensor(scalar: 1)) }
            for (name, t) in cotangents {
                variants.append((name, try Tensor(shape: [1] + t.shape, elements: t.elements)))
                variants.append((name, Tensor(t.elements + [0])))
            }
            for (name, t) in variants {
                var bad = cotangents
                bad[name] = t
                #expect("\(c.location) cotangent \(name) \(t.shape)", performing: {
                    _ = try evaluator.checkedGradients(c.inputs, cotangents: bad)
                }, throws: { ($0 as? InputError)?.argument == "cotangents.\(name)" })
            }
        }
    }

    @Test("rlref eval reports a wrong-shape CoTLogProb cotangent as an error entry (it used to trap)")
    func cotLogProbCotangent() throws {
        let file = try #require(Golden.library.files(spec: "CoTLogProb").first { $0.path.hasSuffix("masks.json") })
        var c = try #require(file.cases.first { $0.id == "ppo-mixed-clipping" })
        c.cotangents?["sequence_log_probs"] = .array([.number(1)])
        let (results, unexpected) = try ExternalResults.evaluate([c], with: CoTLogProbEvaluator())
        #expect(unexpected == 1)
        guard case .object(let entry)? = results[c.id], case .object(let error)? = entry["error"] else {
            Issue.record("no error entry: \(results)")
            return
        }
        #expect(error["kind"] == .string("shape_mismatch"))
    }

    @Test("JSON syntax errors decode UTF-8 and escape control bytes", arguments: [
        ([0x5B, 0xC3, 0xA9, 0x5D], #"character "é""#),
        ([0x5B, 0x1B, 0x5D], #"character "\u{1B}""#),
        ([0x5B, 0x22, 0x61, 0x00, 0x22, 0x5D], #"control character "\u{0}" in a string"#),
        ([0x5B, 0x22, 0xFF, 0x22, 0x5D], "byte 0xFF (not UTF-8)"),
        ([0x5B, 0x22, 0xC3, 0x28, 0x22, 0x5D], "byte 0xC3 (not UTF-8)"),
        ([0x5B, 0xE2, 0x80, 0xAE, 0x5D], #"character "\u{202E}""#),
        ([0x5B, 0x22, 0x5C, 0xC3, 0xA9, 0x22, 0x5D], #"invalid escape: character "é""#),
    ] as [([UInt8], String)])
    func syntaxMessages(_ example: ([UInt8], String)) {
        do {
            _ = try JSONValue(parsing: example.0)
            Issue.record("parsed")
        } catch let e as JSONSyntaxError {
            #expect(e.description.contains(example.1), "\(e)")
            Self.expectPrintableLine(e.description, "syntax error")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("user text in format errors, input errors and compare's mismatch report is escaped and elided")
    func userTextInMessages() throws {
        let long = String(repeating: "x", count: 200_000)
        let hostile = "\u{1B}]0;title\u{7}\n\u{202E}" + long
        let file = JSONValue.object(JSONObject([("spec", .string("TextNormalization")), ("cases", .array([
            .object(JSONObject([("id", .string(hostile)), ("inputs", .object(JSONObject([("text", .array([.string(long)]))])))])),
            .object(JSONObject([("id", .string(hostile)), ("inputs", .object(JSONObject()))])),
        ]))]))
        #expect(performing: { _ = try GoldenFile(json: file, path: "f\u{1B}.json", requireExpected: false) }, throws: { error in
            let m = "\(error)"
            Self.expectPrintableLine(m, "format error")
            return m.contains("(200012 characters)") && m.hasPrefix(#""f\u{1B}.json""#)
        })
        let textError = #expect(throws: InputError.self) {
            _ = try TextNormalizationEvaluator().evaluate(GoldenInputs(JSONObject([("text", .array([.string(hostile)]))])), as: Double.self)
        }
        Self.expectPrintableLine(textError?.description ?? "", "text input error")
        #expect(textError?.description.contains("characters)") == true)

        let golden = try GoldenFile(json: try JSONValue(parsing: #"{"spec": "TextNormalization", "cases": [{"id": "a", "inputs": {"text": "a"}, "expected": {"normalized": "a"}}]}"#), path: "g.json")
        let verdicts = ExternalResults.compare(golden.cases, results: JSONObject([("a", .object(JSONObject([
            ("outputs", .object(JSONObject([("normalized", .string(hostile)), ("\u{1B}", .string(hostile))]))),
        ])))]), precision: .float64)
        let failure = try #require(verdicts.first?.failure)
        Self.expectPrintableLine(failure, "mismatch report")
        #expect(failure.contains("outputs.normalized") && failure.contains("characters)"))
    }

    /// A temporary path, removed when `body` returns.
    static func withTemporaryPath<R>(_ body: (String) throws -> R) throws -> R {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rlref-hostile-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    @Test("inputs are read into one buffer and refused beyond the size limit before reading")
    func sizeLimit() throws {
        let golden = try #require(Golden.library.filePaths(spec: "GAE").first)
        let text = try String(contentsOfFile: golden, encoding: .utf8)
        #expect(try JSONValue(contentsOf: golden) == JSONValue(parsing: text))
        try Self.withTemporaryPath { path in
            try Data(repeating: 0x20, count: 1000).write(to: URL(fileURLWithPath: path))
            #expect(throws: InputFileError.tooLarge(path: path, size: 1000, limit: 999)) {
                _ = try InputFile.bytes(atPath: path, limit: 999)
            }
            #expect(try InputFile.bytes(atPath: path, limit: 1000).count == 1000)
        }
        #expect(throws: InputFileError.unreadable(path: "/nonexistent/f.json", reason: "No such file or directory")) {
            _ = try InputFile.bytes(atPath: "/nonexistent/f.json")
        }
        #expect(throws: InputFileError.unreadable(path: "/", reason: "is a directory")) { _ = try InputFile.bytes(atPath: "/") }
        #expect(InputFile.sizeLimit == 64 << 20)
    }

    /// Writes `bytes` into the FIFO at `path` from another thread (opening blocks until a reader comes).
    static func feedFIFO(_ path: String, _ bytes: [UInt8]) {
        Thread.detachNewThread {
            guard let handle = FileHandle(forWritingAtPath: path) else { return }
            handle.write(Data(bytes))
            try? handle.close()
        }
    }

    @Test("FIFOs (process substitution, /dev/stdin) are read incrementally, bounded by the same limit")
    func fifos() throws {
        let golden = try #require(Golden.library.filePaths(spec: "GAE").first)
        let bytes = try InputFile.bytes(atPath: golden)
        try Self.withTemporaryPath { path in
            #expect(mkfifo(path, 0o600) == 0)
            Self.feedFIFO(path, bytes)
            let (read, direct) = (try GoldenFile(contentsOf: path), try GoldenFile(contentsOf: golden))
            #expect(read.cases.map(\.id) == direct.cases.map(\.id))
            Self.feedFIFO(path, Array(repeating: 0x20, count: 200))   // one write below the pipe's atomic size
            #expect(throws: InputFileError.tooLarge(path: path, size: nil, limit: 100)) {
                _ = try InputFile.bytes(atPath: path, limit: 100)
            }
        }
    }
}
