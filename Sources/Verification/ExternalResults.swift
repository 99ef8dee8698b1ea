import Tensor

/// Results in the shape `rlref eval` prints and `rlref compare` reads:
/// `{"<case id>": {"outputs": {...}, "gradients": {...}}}`, or `{"error": {"kind", "message"}}` for a
/// case whose inputs were rejected. This is the exchange format for checking other implementations.
public enum ExternalResults {
    /// Evaluates every case of `file` with `evaluator` in Double (expected values are ignored).
    /// Returns the results object and the number of cases that threw an error they did not expect.
    public static func evaluate(_ cases: [GoldenCase], with evaluator: some SpecEvaluator) throws -> (results: JSONObject, unexpectedErrors: Int) {
        var results = JSONObject()
        var unexpected = 0
        for c in cases {
            do {
                results[c.id] = try evaluate(c, evaluator)
            } catch let e as InputError {
                if c.expectedError != e.kind { unexpected += 1 }
                results[c.id] = .object(JSONObject([("error", .object(JSONObject([
                    ("kind", .string(e.kind)), ("message", .string(e.description)),
                ])))]))
            }
        }
        return (results, unexpected)
    }

    private static func evaluate(_ c: GoldenCase, _ evaluator: some SpecEvaluator) throws -> JSONValue {
        let outputs = try evaluator.evaluate(c.inputs, as: Double.self)
        var entry = JSONObject()
        entry["outputs"] = .object(JSONObject(outputs.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) }))
        if c.cotangents != nil {
            let g = try evaluator.checkedGradients(c.inputs, cotangents: c.cotangentTensors())
            entry["gradients"] = .object(JSONObject(g.sorted { $0.key < $1.key }.map { ($0.key, JSONValue($0.value)) }))
        }
        return .object(entry)
    }

    /// The verdict on one case of another implementation's results.
    public struct Verdict: Sendable {
        public var caseID: String
        /// Worst absolute output error, or a word ("error kind", "-") when nothing numeric was compared.
        public var outputs = "-"
        /// "pass", "FAIL", "not provided" or "-" (the case has no gradients).
        public var gradients = "-"
        /// Why the case failed, naming the worst element, in one printable line of bounded length;
        /// nil when it passed.
        public var failure: String?
        public var passed: Bool { failure == nil }
    }

    /// Compares `results` against the expectations of `cases` with the tolerances of `precision`.
    /// Missing cases fail; gradients are compared when the results provide them. With
    /// `onlyProvidedOutputs`, an expected output the results leave out is skipped instead of failing
    /// (at least one output must be compared), as for a framework function that returns fewer outputs.
    public static func compare(_ cases: [GoldenCase], results: JSONObject, precision: Precision,
                               onlyProvidedOutputs: Bool = false) -> [Verdict] {
        cases.map { compare($0, results[$0.id], tolerance: $0.tolerances[precision], onlyProvidedOutputs: onlyProvidedOutputs) }
    }

    private static func compare(_ c: GoldenCase, _ entry: JSONValue?, tolerance: Tolerance, onlyProvidedOutputs: Bool) -> Verdict {
        var v = Verdict(caseID: c.id)
        guard case .object(let e)? = entry else {
            v.failure = "missing from the results"
            return v
        }
        if let kind = c.expectedError {
            if case .object(let err)? = e["error"], err["kind"] == .string(kind) {
                v.outputs = "error \(kind.sanitizedForMessage(quoted: false, limit: 40))"
            } else {
                v.failure = "expected an error of kind \(kind.sanitizedForMessage())"
            }
            return v
        }
        if let err = e["error"] {
            v.failure = "reported an error: \(err.serialized().sanitizedForMessage(quoted: false))"
            return v
        }
        guard let outputs = e["outputs"] else {
            v.failure = "no \"outputs\" object"
            return v
        }
        var expected = c.expected
        if onlyProvidedOutputs, case .object(let provided) = outputs {
            expected = JSONObject(c.expected.filter { provided[$0.key] != nil }.map { ($0.key, $0.value) })
            guard expected.count > 0 else {
                v.failure = "none of the expected outputs (\(c.expected.keys.joined(separator: ", "))) is provided"
                return v
            }
        }
        let r = Verification.compare(expected: .object(expected), actual: outputs, tolerance: tolerance, path: "outputs")
        v.outputs = r.comparedElements == 0 ? "-" : "\(r.maxAbsoluteError)"
        var problems: [String] = []
        if !r.passed { problems.append(r.description) }
        if let expectedGradients = c.expectedGradients {
            if let g = e["gradients"] {
                let gr = Verification.compare(expected: .object(expectedGradients), actual: g, tolerance: tolerance, path: "gradients")
                v.gradients = gr.passed ? "pass" : "FAIL"
                if !gr.passed { problems.append(gr.description) }
            } else {
                v.gradients = "not provided"
            }
        }
        if !problems.isEmpty {
            v.failure = problems.joined(separator: "; ").sanitizedForMessage(quoted: false, limit: ComparisonReport.messageLimit)
        }
        return v
    }
}
