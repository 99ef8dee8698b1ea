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
}
