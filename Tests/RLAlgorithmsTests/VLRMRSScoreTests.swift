import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/VLRMRSScore.md: every golden case (values in Double and Float, analytic gradients against
/// the golden gradients and against central differences), plus the Spec's properties.
@Suite("VLRMRSScore")
struct VLRMRSScoreTests {
    @Test("golden case", arguments: try Golden.cases("VLRMRSScore"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: VLRMRSScoreEvaluator())
    }

    static func random(_ g: inout SeededGenerator, _ shape: [Int]) throws -> Tensor<Double> {
        try Tensor(shape: shape, elements: (0..<shape.reduce(1, *)).map { _ in g.nextNormal() })
    }

    @Test("Φ has mean 0 and the configured std 1; D_k lies in (0, 1]", arguments: VarianceEstimator.allCases)
    func standardized(_ variance: VarianceEstimator) throws {
        var g = SeededGenerator(seed: 21)
        let r = try vlrmRSScore(imageEmbeddings: Self.random(&g, [6, 4]), textEmbeddings: Self.random(&g, [6, 4]),
                                itm: Self.random(&g, [6]), configuration: VLRMRSConfiguration(logitScale: 3, variance: variance))
        let mean = r.phi.sum() / 6
        let squares = r.phi.map { ($0 - mean) * ($0 - mean) }.sum()
        let std = (squares / (variance == .unbiased ? 5 : 6)).squareRoot()
        #expect(abs(mean) <= 1e-12)
        #expect(abs(std - 1) <= 1e-12)
        #expect(r.d.elements.allSatisfy { $0 > 0 && $0 <= 1 })
    }

    @Test("the score is invariant to positive rescaling of any embedding row")
    func scaleInvariance() throws {
        var g = SeededGenerator(seed: 22)
        let images = try Self.random(&g, [5, 3]), texts = try Self.random(&g, [5, 3]), itm = try Self.random(&g, [5])
        var scaled = images
        for e in 0..<3 { scaled[2, e] *= 7.5 }
        let a = try vlrmRSScore(imageEmbeddings: images, textEmbeddings: texts, itm: itm)
        let b = try vlrmRSScore(imageEmbeddings: scaled, textEmbeddings: texts, itm: itm)
        for k in 0..<5 { #expect(abs(a.sim[k] - b.sim[k]) <= 1e-12) }
    }

    @Test("backward equals central differences at logit_scale 5 with population std and ε")
    func backwardMatchesFiniteDifferences() throws {
        var g = SeededGenerator(seed: 23)
        let images = try Self.random(&g, [5, 4]), texts = try Self.random(&g, [5, 4]), itm = try Self.random(&g, [5])
        let cotangent = try Self.random(&g, [5])
        let c = VLRMRSConfiguration(phiWeight: 0.7, logitScale: 5, variance: .population, epsilon: 0.01)
        let analytic = try vlrmRSScoreBackward(imageEmbeddings: images, textEmbeddings: texts, itm: itm,
                                               configuration: c, simGradient: cotangent)
        let dImages = try GradientCheck.centralDifference(of: {
            try vlrmRSScore(imageEmbeddings: $0, textEmbeddings: texts, itm: itm, configuration: c).sim.dot(cotangent)
        }, at: images)
        let dTexts = try GradientCheck.centralDifference(of: {
            try vlrmRSScore(imageEmbeddings: images, textEmbeddings: $0, itm: itm, configuration: c).sim.dot(cotangent)
        }, at: texts)
        for (numeric, exact, name) in [(dImages, analytic.imageEmbeddings, "images"), (dTexts, analytic.textEmbeddings, "texts")] {
            let report = compare(expected: JSONValue(numeric), actual: JSONValue(exact),
                                 tolerance: GradientCheck.tolerance, path: "d/d\(name)")
            #expect(report.passed, Comment(rawValue: report.description))
            #expect(report.comparedElements == 20)
        }
    }

    @Test("N = 1 and a constant similarity give Φ = 0 and sim = itm")
    func degenerate() throws {
        let one = try vlrmRSScore(imageEmbeddings: Tensor(shape: [1, 2], elements: [0.3, 0.4]),
                                  textEmbeddings: Tensor(shape: [1, 2], elements: [1, 0]), itm: Tensor([2.5]))
        #expect(one.phi.elements == [0] && one.sim.elements == [2.5])
        let constant = try vlrmRSScore(imageEmbeddings: Tensor(shape: [3, 2], repeating: 1),
                                       textEmbeddings: Tensor(shape: [3, 2], repeating: -2), itm: Tensor([1, 2, 3]))
        #expect(constant.phi.elements == [0, 0, 0] && constant.sim.elements == [1, 2, 3])
    }
}
