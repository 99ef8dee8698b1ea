import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/SimilarityReward.md: every golden case (values in Double and Float, analytic gradients
/// against the golden gradients and central differences) and the Spec's properties.
@Suite("SimilarityReward")
struct SimilarityRewardTests {
    @Test("golden case", arguments: try Golden.cases("SimilarityReward"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: SimilarityRewardEvaluator())
    }

    static func random(_ shape: [Int], _ g: inout SeededGenerator, scale: Double = 1) throws -> Tensor<Double> {
        try Tensor(shape: shape, elements: (0..<shape.reduce(1, *)).map { _ in scale * g.nextNormal() })
    }

    /// Analytic gradients against central differences with a chosen step (the harness's step is
    /// 1e-6·max(1, |x|)).
    static func expectBackwardMatchesDifferences(_ a: Tensor<Double>, _ b: Tensor<Double>, _ c: SimilarityRewardConfiguration,
                                                 cotangent: Tensor<Double>, step: Double, tolerance: Tolerance) throws {
        let analytic = try cosineSimilarityBackward(a, b, configuration: c, cosineGradient: cotangent)
        for (x, gradient, name) in [(a, analytic.a, "a"), (b, analytic.b, "b")] {
            var numeric = Tensor<Double>(shape: x.shape)
            for i in x.elements.indices {
                var up = x, down = x
                up.elements[i] += step
                down.elements[i] -= step
                func loss(_ p: Tensor<Double>) throws -> Double {
                    try cosineSimilarity(name == "a" ? p : a, name == "b" ? p : b, configuration: c).dot(cotangent)
                }
                numeric.elements[i] = (try loss(up) - loss(down)) / (2 * step)
            }
            let report = compare(expected: JSONValue(numeric), actual: JSONValue(gradient), tolerance: tolerance, path: "d/d\(name)")
            #expect(report.passed, Comment(rawValue: report.description))
        }
    }

    @Test("backward equals central differences on random batches", arguments: CosineEpsilonMode.allCases)
    func backwardMatchesDifferences(_ mode: CosineEpsilonMode) throws {
        var g = SeededGenerator(seed: 31)
        let a = try Self.random([5, 6], &g), b = try Self.random([5, 6], &g), cot = try Self.random([5], &g)
        try Self.expectBackwardMatchesDifferences(a, b, SimilarityRewardConfiguration(epsMode: mode), cotangent: cot,
                                                  step: 1e-6, tolerance: GradientCheck.tolerance)
    }

    /// The golden cases flagged `fd_step_leaves_region` (a = 0, |b| ~ 2.3) are smooth: a step small
    /// enough to stay inside the ε-region confirms the gradient the harness compares without differences.
    @Test("zero-vector gradients equal central differences with a step inside the ε-region", arguments: CosineEpsilonMode.allCases)
    func zeroVectorInsideRegion(_ mode: CosineEpsilonMode) throws {
        let a = try Tensor<Double>(shape: [1, 3], elements: [0, 0, 0])
        let b = try Tensor<Double>(shape: [1, 3], elements: [0.5, -1, 2])
        // Every cosine along the probes is ⟨a,b⟩ times a constant, so differences are exact up to rounding.
        try Self.expectBackwardMatchesDifferences(a, b, SimilarityRewardConfiguration(epsMode: mode),
                                                  cotangent: Tensor([1.0]), step: 1e-12,
                                                  tolerance: Tolerance(absolute: 1e-6, relative: 1e-5))
        let gradients = try cosineSimilarityBackward(a, b, configuration: SimilarityRewardConfiguration(epsMode: mode),
                                                     cosineGradient: Tensor([1.0]))
        let scale = mode == .product ? 1e-8 : 1e-8 * 5.25.squareRoot()   // ε, or ε·‖b‖
        for j in 0..<3 { #expect(abs(gradients.a.elements[j] - b.elements[j] / scale) <= 1e-12 * abs(b.elements[j] / scale)) }
        #expect(gradients.b.elements == [0, 0, 0])
    }

    @Test("cosine is scale invariant above ε and its gradient is orthogonal to a")
    func scaleInvariance() throws {
        var g = SeededGenerator(seed: 32)
        let a = try Self.random([4, 5], &g), b = try Self.random([4, 5], &g)
        let c = try cosineSimilarity(a, b), c2 = try cosineSimilarity(3.5 * a, 0.25 * b)
        for i in 0..<4 { #expect(abs(c[i] - c2[i]) <= 1e-15 && abs(c[i]) <= 1) }
        let grads = try cosineSimilarityBackward(a, b, cosineGradient: Tensor(shape: [4], repeating: 1))
        for row in 0..<4 {
            let radial = (0..<5).reduce(0.0) { $0 + grads.a[row, $1] * a[row, $1] }
            #expect(abs(radial) <= 1e-14)
        }
    }

    @Test("entries up to the magnitude bound give finite cosines and gradients", arguments: [1e150, -1e150])
    func noOverflowAtTheBound(_ x: Double) throws {
        let a = try Tensor<Double>(shape: [1, 2], elements: [x, 0.5 * x]), b = try Tensor<Double>(shape: [1, 2], elements: [x, x])
        let cosine = try cosineSimilarity(a, b)
        #expect(abs(cosine[0] - 3 / (10.0.squareRoot())) <= 1e-15)
        for mode in CosineEpsilonMode.allCases {
            let g = try cosineSimilarityBackward(a, b, configuration: SimilarityRewardConfiguration(epsMode: mode),
                                                 cosineGradient: Tensor([1.0]))
            #expect((g.a.elements + g.b.elements).allSatisfy { $0.isFinite })
        }
        let float = try Tensor<Float>(shape: [1, 2], elements: [1e15, 5e14])
        #expect(try cosineSimilarity(float, float)[0] == 1)
    }

    @Test("variance is shift invariant and 0 for equal draws; the mean shifts with the draws")
    func monteCarloProperties() throws {
        var g = SeededGenerator(seed: 33)
        let draws = try Self.random([3, 5], &g)
        let shifted = draws.map { $0 + 1000 }
        for estimator in VarianceEstimator.allCases {
            let e = try monteCarloRewardEstimate(draws, variance: estimator)
            let s = try monteCarloRewardEstimate(shifted, variance: estimator)
            for i in 0..<3 {
                #expect(abs(s.mean[i] - e.mean[i] - 1000) <= 1e-10)
                #expect(abs(s.variance[i] - e.variance[i]) <= 1e-9 * e.variance[i] + 1e-12 && e.variance[i] >= 0)
            }
        }
        let constant = try monteCarloRewardEstimate(Tensor<Double>(shape: [2, 4], repeating: 0.3))
        #expect(constant.variance.elements == [0, 0])
    }
}
