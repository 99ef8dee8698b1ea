import Tensor

/// Central-difference gradient checking in Double, shared by every Spec and by the model runner.
public enum GradientCheck {
    /// The tolerance between a central difference and an analytic gradient
    /// (GoldenData/README.md, tolerance policy).
    public static let tolerance = Tolerance(absolute: 1e-6, relative: 1e-5)

    /// Step for element value `x`: 1e-6·max(1, |x|).
    public static func step(at x: Double) -> Double { 1e-6 * max(1, abs(x)) }

    /// ∂f/∂x by central differences, element by element: (f(x + h·e_i) − f(x − h·e_i)) / 2h.
    /// Non-finite elements (e.g. a −∞ banned logit) have no finite neighbourhood: their entry is 0,
    /// the value Specs define for the gradient there.
    public static func centralDifference(of f: (Tensor<Double>) throws -> Double,
                                         at x: Tensor<Double>) rethrows -> Tensor<Double> {
        var gradient = Tensor<Double>(shape: x.shape)
        var probe = x
        for i in x.elements.indices where x.elements[i].isFinite {
            let h = step(at: x.elements[i])
            probe.elements[i] = x.elements[i] + h
            let up = try f(probe)
            probe.elements[i] = x.elements[i] - h
            let down = try f(probe)
            probe.elements[i] = x.elements[i]
            gradient.elements[i] = (up - down) / (2 * h)
        }
        return gradient
    }

    /// Compares the analytic gradients of an evaluator against central differences of its forward
    /// pass, for the inputs named in `inputsToCheck`.
    public static func check(_ evaluator: some SpecEvaluator, inputs: GoldenInputs,
                             cotangents: [String: Tensor<Double>], analytic: [String: Tensor<Double>],
                             inputsToCheck: [String]) throws -> ComparisonReport {
        var report = ComparisonReport()
        for key in inputsToCheck {
            guard let a = analytic[key] else {
                report.structuralFailures.append("gradient \(key): not computed by the analytic backward")
                continue
            }
            let x = try inputs.tensor(key, as: Double.self)
            let numeric = try centralDifference(of: { probe in
                try evaluator.weightedSum(inputs.replacing(key, with: probe), cotangents: cotangents)
            }, at: x)
            report.absorb(compare(expected: JSONValue(numeric), actual: JSONValue(a), tolerance: tolerance, path: "d/d\(key)"))
        }
        return report
    }
}
