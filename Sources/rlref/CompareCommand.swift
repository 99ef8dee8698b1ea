import ArgumentParser
import Foundation
import Verification

/// `rlref compare FILE.json OTHER.json`: checks another implementation's results against the
/// golden expectations of FILE.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Check results from another implementation against a golden file's expected values.",
        discussion: """
            OTHER.json has the shape `rlref eval` prints: {"<case id>": {"outputs": {...}, "gradients": {...}}} \
            (or {"error": {"kind": ...}} for a case that expects an error). Each case is compared with the \
            file's tolerance for the chosen precision; a failure names the worst element. Gradients are \
            compared when OTHER provides them. Exits with status 1 on any mismatch or missing case.
            """)

    @Argument(help: "The golden file with expected values.")
    var file: String

    @Argument(help: "The other implementation's results, as JSON.")
    var other: String

    @Option(name: .long, help: "Tolerances to apply: float64 or float32.")
    var precision: String = "float64"

    func run() throws {
        guard let p = Precision(rawValue: precision) else {
            throw CLIError("--precision: unknown value \"\(precision)\"; allowed: float64, float32")
        }
        let golden = try loadGoldenFile(file, requireExpected: true)
        guard let data = FileManager.default.contents(atPath: other) else {
            throw CLIError("\(other): cannot read the file (missing or unreadable)")
        }
        let parsed: JSONValue
        do { parsed = try JSONValue(parsing: String(decoding: data, as: UTF8.self)) } catch let e as JSONSyntaxError {
            throw CLIError("\(other): malformed JSON at \(e)")
        }
        guard case .object(let results) = parsed else { throw CLIError("\(other): $: the top level must be an object keyed by case id") }

        var rows: [[String]] = []
        var failures: [String] = []
        for c in golden.cases {
            let verdict = compareCase(c, results[c.id], tolerance: c.tolerances[p])
            rows.append([c.id, verdict.outputs, verdict.gradients, verdict.failure == nil ? "pass" : "FAIL"])
            if let f = verdict.failure { failures.append("\(c.id): \(f)") }
        }
        print(renderTable(header: ["case", "outputs (worst abs err)", "gradients", "status"], rows: rows))
        print("\(golden.cases.count - failures.count) passed, \(failures.count) failed")
        for f in failures { FileHandle.standardError.write(Data((f + "\n").utf8)) }
        if !failures.isEmpty { throw ExitCode.failure }
    }

    private struct Verdict {
        var outputs = "-"
        var gradients = "-"
        var failure: String?
    }

    private func compareCase(_ c: GoldenCase, _ entry: JSONValue?, tolerance: Tolerance) -> Verdict {
        var v = Verdict()
        guard case .object(let e)? = entry else {
            v.failure = "missing from \(other)"
            return v
        }
        if let kind = c.expectedError {
            if case .object(let err)? = e["error"], err["kind"] == .string(kind) {
                v.outputs = "error \(kind)"
            } else {
                v.failure = "expected an error of kind \(kind)"
            }
            return v
        }
        if e["error"] != nil {
            v.failure = "reported an error: \(e["error"]!.serialized())"
            return v
        }
        guard let outputs = e["outputs"] else {
            v.failure = "no \"outputs\" object"
            return v
        }
        let r = compare(expected: .object(c.expected), actual: outputs, tolerance: tolerance, path: "outputs")
        v.outputs = String(format: "%.2e", r.maxAbsoluteError)
        var problems: [String] = []
        if !r.passed { problems.append(r.description) }
        if let expectedGradients = c.expectedGradients {
            if let g = e["gradients"] {
                let gr = compare(expected: .object(expectedGradients), actual: g, tolerance: tolerance, path: "gradients")
                v.gradients = gr.passed ? "pass" : "FAIL"
                if !gr.passed { problems.append(gr.description) }
            } else {
                v.gradients = "not provided"
            }
        }
        if !problems.isEmpty { v.failure = problems.joined(separator: "; ") }
        return v
    }
}
