import Foundation
import SpecCatalog
import TestSupport
import Testing
import Verification

/// Binds the four faces of every equation together: Specs/X.md, Sources (doc comments citing the
/// Spec and each equation id), GoldenData/X/*.json (a case per equation id) and Tests (a file
/// that runs the golden cases). A Spec marked `Status: draft` has golden data but no code yet.
@Suite("Spec consistency")
struct SpecConsistencyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func read(_ relative: String) -> String? {
        try? String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    static func files(under folder: String, suffix: String) -> [String] {
        let base = root.appendingPathComponent(folder)
        guard let e = FileManager.default.enumerator(atPath: base.path) else { return [] }
        return e.compactMap { $0 as? String }.filter { $0.hasSuffix(suffix) }.map { "\(folder)/\($0)" }
    }

    /// Spec names: Specs/*.md except the README and the template.
    static var specNames: [String] {
        let items = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Specs").path)) ?? []
        return items.filter { $0.hasSuffix(".md") && $0 != "README.md" && !$0.hasPrefix("_") }
            .map { String($0.dropLast(3)) }.sorted()
    }

    /// Equation ids `<Name>-<k>` written in a Spec.
    static func equationIDs(_ spec: String, in text: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: "\\b\(NSRegularExpression.escapedPattern(for: spec))-[0-9]+\\b")
        let range = NSRange(text.startIndex..., in: text)
        return Set(pattern.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }

    static func isDraft(_ specText: String) -> Bool {
        specText.range(of: #"Status:\s*draft"#, options: .regularExpression) != nil
    }

    @Test("every catalogue evaluator has a Spec")
    func evaluatorsHaveSpecs() {
        for e in Catalog.evaluators {
            #expect(Self.read("Specs/\(e.spec).md") != nil, "Catalog has \(e.spec) but Specs/\(e.spec).md is missing")
        }
    }

    @Test("every Spec has golden cases, and implemented Specs have code, tests and cited equations",
          arguments: specNames)
    func quartet(_ spec: String) throws {
        let text = try #require(Self.read("Specs/\(spec).md"))
        let ids = Self.equationIDs(spec, in: text)
        #expect(!ids.isEmpty, "Specs/\(spec).md numbers no equations (\(spec)-1, ...)")
        let cases = try Golden.library.cases(spec: spec)
        #expect(!cases.isEmpty, "GoldenData/\(spec)/ has no cases")
        let covered = Set(cases.map(\.equation))
        for id in ids.sorted() { #expect(covered.contains(id), "no golden case has equation \(id)") }
        for c in cases { #expect(ids.contains(c.equation), "case \(c.location) names unknown equation \(c.equation)") }

        if Self.isDraft(text) {
            #expect(Catalog.evaluator(for: spec) == nil, "\(spec) is implemented; drop `Status: draft` from its Spec")
            return
        }
        #expect(Catalog.evaluator(for: spec) != nil, "\(spec) has no evaluator in SpecCatalog (or mark the Spec `Status: draft`)")
        let sources = Self.files(under: "Sources", suffix: ".swift").compactMap(Self.read).joined(separator: "\n")
        #expect(sources.contains("Specs/\(spec).md"), "no doc comment under Sources/ cites Specs/\(spec).md")
        for id in ids.sorted() { #expect(sources.contains(id), "no doc comment under Sources/ cites \(id)") }
        let testFiles = Self.files(under: "Tests", suffix: "\(spec)Tests.swift")
        #expect(!testFiles.isEmpty, "no Tests/*/\(spec)Tests.swift")
        let tests = testFiles.compactMap(Self.read).joined()
        #expect(tests.contains("Golden.cases(\"\(spec)\")"), "the tests of \(spec) do not run its golden cases")
    }
}

extension SpecConsistencyTests {
    /// `rlref describe` lists presets from the evaluators' tables: every preset a golden case uses is
    /// there, and every framework preset names the version it reproduces (a digit in its provenance)
    /// and is mentioned in its Spec.
    @Test("presets: every golden preset is listed by its evaluator, with a version, and named in the Spec")
    func presetsNameVersions() throws {
        for evaluator in Catalog.evaluators {
            let listed = Dictionary(uniqueKeysWithValues: evaluator.presets.map { ($0.name, $0) })
            var used = Set<String>()
            for c in try Golden.library.cases(spec: evaluator.spec) where c.expectedError == nil {
                if case .string(let name)? = c.inputs.object["preset"] { used.insert(name) }
            }
            let specText = Self.read("Specs/\(evaluator.spec).md") ?? ""
            for name in used {
                #expect(listed[name] != nil, "\(evaluator.spec): golden preset \(name) missing from the evaluator's presets")
            }
            for (name, p) in listed where name != "paper" {
                let hasVersion = p.reproduces.contains { $0.isNumber }
                #expect(hasVersion, "\(evaluator.spec) preset \(name): no version in \"\(p.reproduces)\"")
                #expect(specText.contains("`\(name)`"), "\(evaluator.spec): preset \(name) not named in the Spec")
            }
        }
    }
}

extension SpecConsistencyTests {
    /// `rlref describe` lists forms from the evaluators' dispatch tables: every form a non-error golden case
    /// uses is in its evaluator's table (when it has one), and every listed form is named in the Spec.
    @Test("forms: every golden form is listed by its evaluator and named in the Spec")
    func formsAreListed() throws {
        for evaluator in Catalog.evaluators where !evaluator.forms.isEmpty {
            let specText = Self.read("Specs/\(evaluator.spec).md") ?? ""
            for c in try Golden.library.cases(spec: evaluator.spec) where c.expectedError == nil {
                if case .string(let form)? = c.inputs.object["form"] {
                    #expect(evaluator.forms.contains(form), "\(evaluator.spec): golden form \(form) missing from the evaluator's forms")
                }
            }
            for form in evaluator.forms {
                #expect(specText.contains(form), "\(evaluator.spec): form \(form) not named in the Spec")
            }
        }
    }
}
