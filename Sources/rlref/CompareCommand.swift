import ArgumentParser
import Foundation
import Tensor
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

    @Flag(name: .long, help: "Skip cases absent from OTHER instead of failing them (at least one must be present).")
    var allowMissing = false

    @Flag(name: .long, help: "Compare only the outputs OTHER provides (at least one per case), e.g. a framework function that returns the loss but not the diagnostics.")
    var onlyProvidedOutputs = false

    func run() throws {
        guard let p = Precision(rawValue: precision) else {
            throw CLIError("--precision: unknown value \(precision.sanitizedForMessage()); allowed: float64, float32")
        }
        let golden = try GoldenFile(contentsOf: file)
        let parsed: JSONValue
        do { parsed = try JSONValue(contentsOf: other) } catch let e as JSONSyntaxError {
            throw CLIError("\(other.sanitizedForMessage()): malformed JSON at \(e)")
        }
        guard case .object(let results) = parsed else {
            throw CLIError("\(other.sanitizedForMessage()): $: the top level must be an object keyed by case id")
        }

        var cases = golden.cases
        if allowMissing {
            cases = cases.filter { results[$0.id] != nil }
            guard !cases.isEmpty else { throw CLIError("\(other.sanitizedForMessage()): none of the case ids of \(file.sanitizedForMessage()) is present") }
            let skipped = golden.cases.count - cases.count
            if skipped > 0 { print("skipping \(skipped) case(s) absent from \(other.sanitizedForMessage())") }
        }
        let verdicts = ExternalResults.compare(cases, results: results, precision: p, onlyProvidedOutputs: onlyProvidedOutputs)
        let rows = verdicts.map { [$0.caseID.sanitizedForMessage(quoted: false), $0.outputs, $0.gradients, $0.passed ? "pass" : "FAIL"] }
        print(renderTable(header: ["case", "outputs (worst abs err)", "gradients", "status"], rows: rows))
        let failures = verdicts.filter { !$0.passed }
        print("\(verdicts.count - failures.count) passed, \(failures.count) failed")
        for f in failures {
            FileHandle.standardError.write(Data("\(f.caseID.sanitizedForMessage(quoted: false)): \(f.failure!)\n".utf8))
        }
        if !failures.isEmpty { throw ExitCode.failure }
    }
}
