import ArgumentParser
import Foundation
import SpecCatalog
import Tensor
import Verification

/// `rlref golden verify`: runs every golden case of every Spec through the library.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run every golden case (values in Double and Float, gradients, finite differences).",
        discussion: "Exits with status 1 if any case fails. Spec folders without an evaluator are listed as pending.")

    @Option(name: .long, help: "Only this Spec (a folder name under GoldenData/).")
    var spec: String?

    @Flag(name: .long, help: "Print one JSON object per Spec, in a list, instead of a table.")
    var json = false

    @Option(name: .long, help: "The GoldenData folder (default: found from the working directory or the package).")
    var goldenDirectory: String?

    func run() throws {
        let library = try locateLibrary(goldenDirectory)
        var specs = Set(library.specNames()).union(Catalog.evaluators.map(\.spec)).sorted()
        if let spec {
            guard specs.contains(spec) else {
                throw CLIError("unknown spec \(spec.sanitizedForMessage()); known: \(specs.joined(separator: ", "))")
            }
            specs = [spec]
        }
        guard !library.specNames().isEmpty else {
            throw CLIError("\(library.directory.sanitizedForMessage()): no golden files (expected <Spec>/*.json folders)")
        }
        var summaries: [SpecSummary] = []
        for name in specs {
            summaries.append(try SpecSummary.run(spec: name, library: library))
        }
        if json {
            print(JSONValue.array(summaries.map(\.json)).serialized(indent: 2))
        } else {
            printTable(summaries)
            for s in summaries { for f in s.failures { FileHandle.standardError.write(Data((f + "\n").utf8)) } }
        }
        if summaries.contains(where: { $0.status == .fail }) { throw ExitCode.failure }
    }

    private func printTable(_ rows: [SpecSummary]) {
        let header = ["spec", "cases", "passed", "f64 abs err", "f64 rel err", "f32 abs err", "f32 rel err",
                      "gradients", "status"]
        let body = rows.map { s in
            [s.spec.sanitizedForMessage(quoted: false), "\(s.cases)", "\(s.passed)"] + Precision.allCases.flatMap {
                [format(s.worstAbsolute[$0] ?? 0), format(s.worstRelative[$0] ?? 0)]
            } + [s.gradientSummary, s.status.rawValue]
        }
        print(renderTable(header: header, rows: body))
        let checked = rows.filter { $0.status != .pending }
        let total = checked.reduce(0) { $0 + $1.cases }, passed = checked.reduce(0) { $0 + $1.passed }
        let pending = rows.filter { $0.status == .pending }
        if !pending.isEmpty {
            print("pending (golden data, no code yet): \(pending.map { $0.spec.sanitizedForMessage(quoted: false) }.joined(separator: ", "))")
        }
        print("\(passed) passed, \(total - passed) failed")
    }

    private func format(_ x: Double) -> String { x == 0 ? "0" : String(format: "%.2e", x) }
}

/// Verification result of one Spec.
struct SpecSummary {
    enum Status: String { case pass, fail, pending }
    var spec: String
    var cases = 0
    var passed = 0
    /// Worst output errors per precision (relative errors over non-zero expectations only).
    var worstAbsolute: [Precision: Double] = [:]
    var worstRelative: [Precision: Double] = [:]
    var gradientCases = 0
    var gradientPassed = 0
    var status: Status = .pass
    var failures: [String] = []

    var gradientSummary: String { gradientCases == 0 ? "-" : "\(gradientPassed)/\(gradientCases)" }

    static func run(spec: String, library: GoldenLibrary) throws -> SpecSummary {
        var s = SpecSummary(spec: spec)
        guard let evaluator = Catalog.evaluator(for: spec) else {
            s.status = .pending
            s.cases = (try? library.cases(spec: spec).count) ?? 0
            return s
        }
        let cases = try library.cases(spec: spec)
        if cases.isEmpty {
            s.status = .fail
            s.failures.append("\(spec): no golden cases")
        }
        for c in cases {
            let r = GoldenRunner.check(c, with: evaluator)
            s.cases += 1
            if r.passed { s.passed += 1 } else { s.failures.append(r.description) }
            for p in Precision.allCases {
                s.worstAbsolute[p] = max(s.worstAbsolute[p] ?? 0, r.worstAbsoluteError(p))
                s.worstRelative[p] = max(s.worstRelative[p] ?? 0, r.worstRelativeError(p))
            }
            if r.gradientStatus != .notApplicable {
                s.gradientCases += 1
                if r.gradientStatus != .failed { s.gradientPassed += 1 }
            }
        }
        if s.passed < s.cases { s.status = .fail }
        return s
    }

    var json: JSONValue {
        .object(JSONObject([
            ("spec", .string(spec)), ("cases", .number(Double(cases))), ("passed", .number(Double(passed))),
            ("worst_abs_error", .object(JSONObject(Precision.allCases.map { ($0.rawValue, .number(worstAbsolute[$0] ?? 0)) }))),
            ("worst_rel_error", .object(JSONObject(Precision.allCases.map { ($0.rawValue, .number(worstRelative[$0] ?? 0)) }))),
            ("gradient_cases", .number(Double(gradientCases))), ("gradient_passed", .number(Double(gradientPassed))),
            ("status", .string(status.rawValue)), ("failures", .array(failures.map { .string($0) })),
        ]))
    }
}

/// The GoldenData folder given on the command line or found automatically.
func locateLibrary(_ explicit: String?) throws -> GoldenLibrary {
    if let explicit {
        guard FileManager.default.fileExists(atPath: explicit) else { throw CLIError("golden directory \(explicit.sanitizedForMessage()) does not exist") }
        return GoldenLibrary(directory: explicit)
    }
    guard let lib = GoldenLibrary.locate() else {
        throw CLIError("cannot find the GoldenData folder; run from the package or pass --golden-directory")
    }
    return lib
}

/// A plain-text table with columns padded to their widest cell.
func renderTable(header: [String], rows: [[String]]) -> String {
    let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
        .joined(separator: "\n")
}
