import Generation
import SpecCatalog
import TestSupport
import Testing
import Verification

/// Specs/Generation.md: every golden case — transformers' own logits processors and its greedy and
/// beam-search loops on a bigram table.
@Suite("Generation")
struct GenerationTests {
    @Test("golden case", arguments: try Golden.cases("Generation"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: GenerationEvaluator())
    }
}
