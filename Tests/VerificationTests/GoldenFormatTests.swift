import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

@Suite("Golden format and comparison")
struct GoldenFormatTests {
    @Test("format errors name the file and the JSON path", arguments: [
        (#"{"spec": "GAE", "cases": [{"id": "a", "inputs": {}}]}"#, "$.cases[0].expected"),
        (#"{"spec": "GAE", "cases": [{"id": "a", "inputs": {}, "expected": {}}, {"id": "a", "inputs": {}, "expected": {}}]}"#, "$.cases[1].id"),
        (#"{"cases": []}"#, "$.spec"),
        (#"{"spec": "GAE", "default_tolerance": {"float64": {"atol": -1, "rtol": 0}}, "cases": []}"#, "$.default_tolerance.float64"),
    ])
    func formatErrors(_ example: (String, String)) throws {
        let json = try JSONValue(parsing: example.0)
        #expect {
            _ = try GoldenFile(json: json, path: "f.json")
        } throws: { error in
            (error as? GoldenFormatError)?.path == example.1 && (error as? GoldenFormatError)?.file == "f.json"
        }
    }

    @Test("a missing golden file is a format error, not a trap")
    func missingFile() {
        #expect { _ = try GoldenFile(contentsOf: "/nonexistent/file.json") } throws: { error in
            (error as? GoldenFormatError)?.file == "/nonexistent/file.json"
        }
    }

    @Test("the comparison reports the worst element with its path and errors")
    func worstElement() throws {
        let expected = try JSONValue(parsing: #"{"a": [[1.0, 2.0], [3.0, 4.0]], "b": 10}"#)
        let actual = try JSONValue(parsing: #"{"a": [[1.0, 2.0000001], [3.5, 4.0]], "b": 10.000001}"#)
        let r = compare(expected: expected, actual: actual, tolerance: Tolerance(absolute: 1e-6, relative: 1e-6), path: "outputs")
        #expect(!r.passed)
        #expect(r.worst?.path == "outputs.a[1][0]")
        #expect(r.worst?.expected == 3.0 && r.worst?.actual == 3.5)
        #expect(r.maxAbsoluteError == 0.5)
        #expect(r.comparedElements == 5)
    }

    @Test("NaN matches only NaN and an infinity only itself")
    func nonFinite() throws {
        let t = Tolerance(absolute: 1, relative: 1)
        #expect(compare(expected: .string("nan"), actual: .number(.nan), tolerance: t, path: "x").passed)
        #expect(!compare(expected: .string("nan"), actual: .number(0), tolerance: t, path: "x").passed)
        #expect(compare(expected: .string("-inf"), actual: .number(-.infinity), tolerance: t, path: "x").passed)
        #expect(!compare(expected: .string("inf"), actual: .number(1e308), tolerance: t, path: "x").passed)
        #expect(!compare(expected: .number(1), actual: .number(.nan), tolerance: t, path: "x").passed)
    }

    @Test("every golden file: `rlref eval` output passes `rlref compare` against the same file",
          arguments: Catalog.evaluators.map(\.spec))
    func evalCompareEverySpec(_ spec: String) throws {
        let evaluator = try #require(Catalog.evaluator(for: spec))
        for file in try Golden.library.files(spec: spec) {
            let (results, unexpected) = try ExternalResults.evaluate(file.cases, with: evaluator)
            #expect(unexpected == 0, "\(file.path): \(unexpected) case(s) threw an error they do not expect")
            let verdicts = ExternalResults.compare(file.cases, results: results, precision: .float64)
            #expect(verdicts.count == file.cases.count)
            for v in verdicts where !v.passed { Issue.record("\(file.path)#\(v.caseID): \(v.failure ?? "")") }
        }
    }

    /// The workflow the README promises users: `rlref eval` output fed to `rlref compare` passes,
    /// and the same output with one number perturbed fails, naming that element.
    @Test("eval → compare round trip passes; one perturbed number fails naming it")
    func evalCompareRoundTrip() throws {
        let file = try #require(Golden.library.files(spec: "GAE").first { $0.path.hasSuffix("recursion.json") })
        let evaluator = try #require(Catalog.evaluator(for: "GAE"))
        let (results, unexpected) = try ExternalResults.evaluate(file.cases, with: evaluator)
        #expect(unexpected == 0)
        let verdicts = ExternalResults.compare(file.cases, results: results, precision: .float64)
        #expect(verdicts.count == file.cases.count && verdicts.allSatisfy(\.passed))

        // Perturb advantages[0][0] of the first case that has numeric outputs.
        let target = try #require(file.cases.first { $0.expectedError == nil && $0.expected["advantages"] != nil })
        guard case .object(var entry)? = results[target.id], case .object(var outputs)? = entry["outputs"],
              case .array(var rows)? = outputs["advantages"], case .array(var row)? = rows.first,
              let x = row.first?.numberValue else {
            Issue.record("unexpected result shape")
            return
        }
        row[0] = .number(x + 1e-3)
        rows[0] = .array(row)
        outputs["advantages"] = .array(rows)
        entry["outputs"] = .object(outputs)
        var perturbed = results
        perturbed[target.id] = .object(entry)
        let after = ExternalResults.compare(file.cases, results: perturbed, precision: .float64)
        let failed = after.filter { !$0.passed }
        #expect(failed.count == 1)
        #expect(failed.first?.caseID == target.id)
        #expect(failed.first?.failure?.contains("outputs.advantages[0][0]") == true)
    }

    @Test("an inputs-only file with cotangents is evaluated with gradients; compare can skip outputs OTHER leaves out")
    func inputsOnlyWithCotangents() throws {
        let json = try JSONValue(parsing: #"""
            {"spec": "GAE", "cases": [{"id": "a", "inputs": {"rewards": [[1.0, 0.5]], "values": [[0.1, 0.2]], "gamma": 0.5, "lambda": 0.5},
             "gradients": {"cotangents": {"advantages": [[1.0, 0.0]]}}}]}
            """#)
        #expect(throws: GoldenFormatError.self) { _ = try GoldenFile(json: json, path: "f.json") }
        let file = try GoldenFile(json: json, path: "f.json", requireExpected: false)
        let evaluator = try #require(Catalog.evaluator(for: "GAE"))
        let (results, unexpected) = try ExternalResults.evaluate(file.cases, with: evaluator)
        #expect(unexpected == 0)
        guard case .object(let entry)? = results["a"], case .object(let g)? = entry["gradients"],
              case .array(let rows)? = g["rewards"], case .array(let row)? = rows.first else {
            Issue.record("no gradients in \(results)")
            return
        }
        #expect(row.map(\.numberValue) == [1, 0.25])   // ∂A_0/∂r = [1, γλ]

        // A golden case expects advantages and returns; results with advantages only pass with the flag.
        let golden = try #require(Golden.library.files(spec: "GAE").first { $0.path.hasSuffix("recursion.json") })
        let target = try #require(golden.cases.first { $0.expectedError == nil && $0.expected["returns"] != nil })
        let (full, _) = try ExternalResults.evaluate([target], with: evaluator)
        guard case .object(var e)? = full[target.id], case .object(var outputs)? = e["outputs"] else {
            Issue.record("unexpected result shape")
            return
        }
        outputs["returns"] = nil
        e["outputs"] = .object(outputs)
        var partial = JSONObject()
        partial[target.id] = .object(e)
        #expect(!ExternalResults.compare([target], results: partial, precision: .float64)[0].passed)
        #expect(ExternalResults.compare([target], results: partial, precision: .float64, onlyProvidedOutputs: true)[0].passed)
    }
}
