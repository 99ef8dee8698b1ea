import ArgumentParser
import Foundation
import SpecCatalog
import Tensor
import Verification

/// `rlref eval FILE.json`: computes the file's Spec on each case's inputs, ignoring expectations.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Compute a golden-format file's Spec on each case's inputs and print the results as JSON.",
        discussion: """
            Prints {"<case id>": {"outputs": {...}, "gradients": {...}}}; gradients appear for cases with \
            cotangents. A case whose inputs are invalid prints {"error": {"kind": ..., "message": ...}}. \
            Expected values in the file are ignored, so a file with only inputs works too. Exits with \
            status 1 if a case fails that does not expect to.
            """)

    @Argument(help: "A JSON file in the golden format (GoldenData/README.md).")
    var file: String

    @Option(name: .customLong("case"), help: "Only the case with this id.")
    var caseID: String?

    func run() throws {
        let golden = try GoldenFile(contentsOf: file, requireExpected: false)
        guard let evaluator = Catalog.evaluator(for: golden.spec) else {
            throw CLIError("\(file.sanitizedForMessage()): no implementation of spec \(golden.spec.sanitizedForMessage()); known: \(Catalog.evaluators.map(\.spec).joined(separator: ", "))")
        }
        var cases = golden.cases
        if let caseID {
            cases = cases.filter { $0.id == caseID }
            guard !cases.isEmpty else { throw CLIError("\(file.sanitizedForMessage()): no case with id \(caseID.sanitizedForMessage())") }
        }
        let (results, unexpected) = try ExternalResults.evaluate(cases, with: evaluator)
        print(JSONValue.object(results).serialized(indent: 1))
        if unexpected > 0 {
            FileHandle.standardError.write(Data("\(unexpected) case(s) had invalid inputs\n".utf8))
            throw ExitCode.failure
        }
    }
}
