import ArgumentParser
import Foundation
import SpecCatalog
import Verification

/// `rlref describe SPEC`: what a Spec's evaluator reads and writes, its forms and its presets.
struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "List a Spec's input keys, outputs, forms and presets (with the framework version each reproduces).",
        discussion: """
            Presets and their settings come from the preset tables the evaluator resolves `preset` with, and forms \
            from the table it dispatches `form` on (from the golden files where it has none). Input \
            keys (with the JSON types they take) and outputs are collected from the Spec's golden files, \
            so they are the ones the evaluator is tested on; defaults and shapes are in the Spec's "Golden \
            inputs" section, which is printed after them when Specs/ is found next to GoldenData/.
            """)

    @Argument(help: "A Spec name (Specs/<SPEC>.md, GoldenData/<SPEC>/).")
    var spec: String

    @Option(name: .long, help: "The GoldenData folder (default: found from the working directory or the package).")
    var goldenDirectory: String?

    func run() throws {
        guard let evaluator = Catalog.evaluator(for: spec) else {
            throw CLIError("unknown spec \"\(spec)\"; known: \(Catalog.evaluators.map(\.spec).joined(separator: ", "))")
        }
        let library = try locateLibrary(goldenDirectory)
        let cases = try library.cases(spec: spec)
        var inputTypes: [String: Set<String>] = [:], forms = Set<String>(), outputs = Set<String>()
        for c in cases {
            for (key, value) in c.inputs.object { inputTypes[key, default: []].insert(Self.kind(value)) }
            if case .string(let form)? = c.inputs.object["form"] { forms.insert(form) }
            if c.expectedError == nil { outputs.formUnion(c.expected.keys) }
        }
        print("\(spec): Specs/\(spec).md, \(library.filePaths(spec: spec).count) golden files, \(cases.count) cases")
        if !evaluator.forms.isEmpty {
            print("\nforms (input key \"form\"; the first is the default): \(evaluator.forms.joined(separator: ", "))")
        } else if !forms.isEmpty {
            print("\nforms (input key \"form\", as used by the golden cases): \(forms.sorted().joined(separator: ", "))")
        }
        print("\ninputs (key: JSON types seen in the golden cases, error cases included):")
        for key in inputTypes.keys.sorted() { print("  \(key): \(inputTypes[key]!.sorted().joined(separator: " | "))") }
        print("\noutputs: \(outputs.sorted().joined(separator: ", "))")
        let presets = evaluator.presets
        if !presets.isEmpty {
            print("\npresets (input key \"preset\"; explicit keys override):")
            for p in presets {
                print("  \(p.name): \(p.reproduces)")
                print("    \(p.settings)")
            }
        }
        let specFile = ((library.directory as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("Specs/\(spec).md")
        if let text = try? String(contentsOfFile: specFile, encoding: .utf8), let section = Self.section(text, "## Golden inputs") {
            print("\nfrom Specs/\(spec).md:\n\(section)")
        }
    }

    /// The JSON kind of a value; arrays with their nesting depth ("array2" = [[...]]).
    private static func kind(_ value: JSONValue) -> String {
        switch value {
        case .number: "number"
        case .string(let s): ["nan", "inf", "-inf"].contains(s) ? "number" : "string"
        case .bool: "boolean"
        case .null: "null"
        case .object: "object"
        case .array: "array\(depth(value))"
        }
    }

    private static func depth(_ value: JSONValue) -> Int {
        guard case .array(let items) = value else { return 0 }
        return 1 + (items.first.map(depth) ?? 0)
    }

    /// The lines of `heading`'s section, up to the next `## ` heading.
    private static func section(_ text: String, _ heading: String) -> String? {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix(heading) }) else { return nil }
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.count
        return lines[start..<end].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
