import Testing
import Verification

/// Golden data for tests: located relative to the package (not the working directory), parsed
/// once per call, and checked through the same `GoldenRunner` that `rlref golden verify` uses.
public enum Golden {
    /// The package's GoldenData folder.
    public static var library: GoldenLibrary {
        guard let lib = GoldenLibrary.locate() else { fatalError("GoldenData folder not found next to the package") }
        return lib
    }

    /// Every case of a Spec, for `@Test(arguments:)`. Fails the test run loudly when a file is
    /// malformed or when the Spec has no cases at all.
    public static func cases(_ spec: String) throws -> [GoldenCase] {
        let cases = try library.cases(spec: spec)
        guard !cases.isEmpty else { throw GoldenFormatError(file: spec, path: "$", message: "no golden cases") }
        return cases
    }

    /// Runs one case against `evaluator` and records a failure naming the worst element, the
    /// gradient verdict and any unexpected error. A case that expects values must compare some.
    public static func expectPasses(_ goldenCase: GoldenCase, with evaluator: some SpecEvaluator,
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        let report = GoldenRunner.check(goldenCase, with: evaluator)
        #expect(report.passed, Comment(rawValue: report.description), sourceLocation: sourceLocation)
        if goldenCase.expectedError == nil {
            #expect(report.outputs.allSatisfy { $0.report.comparedElements > 0 },
                    "no expected value was compared", sourceLocation: sourceLocation)
        }
    }
}
