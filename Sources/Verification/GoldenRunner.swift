import Tensor

/// What happened to the gradient part of a golden case.
public enum GradientStatus: String, Sendable {
    /// The case has no gradients (or expects an error).
    case notApplicable = "n/a"
    /// Analytic gradient matched the golden one and central differences.
    case passed = "pass"
    /// Analytic gradient matched the golden (sub)gradient; central differences skipped because of
    /// a flag (kink, stop-gradient, tiny region).
    case passedWithoutDifferences = "pass (no FD)"
    case failed = "FAIL"
}

/// The verdict on one golden case in every precision it runs in.
public struct CaseReport: Sendable, CustomStringConvertible {
    public var caseID: String
    public var location: String
    public var equation: String
    /// Output comparison per precision.
    public var outputs: [(precision: Precision, report: ComparisonReport)] = []
    /// Analytic gradient against the golden gradient (Double).
    public var gradient: ComparisonReport?
    /// Analytic gradient against central differences (Double).
    public var finiteDifference: ComparisonReport?
    public var gradientStatus: GradientStatus = .notApplicable
    /// Errors that are failures: an unexpected throw, a missing expected throw, a wrong error kind.
    public var errors: [String] = []

    public var passed: Bool {
        errors.isEmpty && outputs.allSatisfy { $0.report.passed } && gradientStatus != .failed
    }

    /// Worst absolute / relative output errors in one precision (0 when it did not run).
    public func worstAbsoluteError(_ precision: Precision) -> Double {
        outputs.filter { $0.precision == precision }.map(\.report.maxAbsoluteError).max() ?? 0
    }
    public func worstRelativeError(_ precision: Precision) -> Double {
        outputs.filter { $0.precision == precision }.map(\.report.maxRelativeError).max() ?? 0
    }

    public var description: String {
        if passed { return "\(location): pass" }
        var lines = ["\(location) (\(equation)): FAIL"]
        lines += errors.map { "  error: \($0)" }
        for (p, r) in outputs where !r.passed { lines.append("  \(p.rawValue) outputs: \(r)") }
        if let g = gradient, !g.passed { lines.append("  gradient vs golden: \(g)") }
        if let f = finiteDifference, !f.passed { lines.append("  gradient vs central differences: \(f)") }
        return lines.joined(separator: "\n")
    }
}

/// Runs golden cases against an evaluator: outputs in Double and Float, error kinds, analytic
/// gradients against golden gradients and against central differences.
public enum GoldenRunner {
    public static func check(_ goldenCase: GoldenCase, with evaluator: some SpecEvaluator) -> CaseReport {
        var report = CaseReport(caseID: goldenCase.id, location: goldenCase.location, equation: goldenCase.equation)
        let precisions: [Precision] = goldenCase.flags.contains("float64_only") ? [.float64] : [.float64, .float32]
        if let kind = goldenCase.expectedError {
            for p in precisions {
                do {
                    _ = try evaluate(evaluator, goldenCase.inputs, precision: p)
                    report.errors.append("\(p.rawValue): expected error \(kind), but evaluation succeeded")
                } catch let e as InputError {
                    if e.kind != kind { report.errors.append("\(p.rawValue): expected error \(kind), got \(e.kind) (\(e))") }
                } catch {
                    report.errors.append("\(p.rawValue): expected error \(kind), got \(error)")
                }
            }
            return report
        }
        for p in precisions {
            do {
                let outputs = try evaluate(evaluator, goldenCase.inputs, precision: p)
                let actual = JSONValue.object(JSONObject(outputs.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) }))
                report.outputs.append((p, compare(expected: .object(goldenCase.expected), actual: actual,
                                                  tolerance: goldenCase.tolerances[p], path: "outputs")))
            } catch {
                report.errors.append("\(p.rawValue): evaluation threw \(error)")
            }
        }
        if goldenCase.cotangents != nil, let expectedGradients = goldenCase.expectedGradients {
            checkGradients(goldenCase, expected: expectedGradients, evaluator: evaluator, into: &report)
        }
        return report
    }

    private static func evaluate(_ evaluator: some SpecEvaluator, _ inputs: GoldenInputs, precision: Precision) throws -> Outputs {
        switch precision {
        case .float64: try evaluator.evaluate(inputs, as: Double.self)
        case .float32: try evaluator.evaluate(inputs, as: Float.self)
        }
    }

    private static func checkGradients(_ c: GoldenCase, expected: JSONObject,
                                       evaluator: some SpecEvaluator, into report: inout CaseReport) {
        do {
            let cotangents = try c.cotangentTensors()
            let analytic = try evaluator.checkedGradients(c.inputs, cotangents: cotangents)
            let actual = JSONValue.object(JSONObject(analytic.sorted { $0.key < $1.key }.map { ($0.key, JSONValue($0.value)) }))
            let g = compare(expected: .object(expected), actual: actual, tolerance: c.tolerances.float64, path: "gradients")
            report.gradient = g
            if c.isFiniteDifferenceCheckable {
                let fd = try GradientCheck.check(evaluator, inputs: c.inputs, cotangents: cotangents,
                                                 analytic: analytic, inputsToCheck: expected.keys)
                report.finiteDifference = fd
                report.gradientStatus = g.passed && fd.passed ? .passed : .failed
            } else {
                report.gradientStatus = g.passed ? .passedWithoutDifferences : .failed
            }
        } catch {
            report.errors.append("gradient evaluation threw \(error)")
            report.gradientStatus = .failed
        }
    }
}
