import SpecCatalog
import TestSupport
import Testing
import Verification

/// Specs/ShapesTasks.md: every golden case (an independent Python implementation of the deterministic
/// rules). The samplers' properties are tested in `ShapesTests`.
@Suite("ShapesTasks")
struct ShapesTasksTests {
    @Test("golden case", arguments: try Golden.cases("ShapesTasks"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: ShapesTasksEvaluator())
    }
}
