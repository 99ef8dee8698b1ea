import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/Optimizers.md: every golden case (values in Double and Float), plus the Spec's properties.
@Suite("Optimizers")
struct OptimizersTests {
    @Test("golden case", arguments: try Golden.cases("Optimizers"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: OptimizersEvaluator())
    }

    static func randomTensor(_ g: inout SeededGenerator, _ shape: [Int], scale: Double = 1) throws -> Tensor<Double> {
        try Tensor(shape: shape, elements: (0..<shape.reduce(1, *)).map { _ in scale * g.nextNormal() })
    }

    @Test("step 1 from zero moments moves every parameter by η·g/(|g| + ε), i.e. about η·sign(g)")
    func firstStepIsSignStep() throws {
        var g = SeededGenerator(seed: 1)
        let params = try Self.randomTensor(&g, [3, 4])
        let gradient = try Self.randomTensor(&g, [3, 4])
        let step = try adamStep(parameters: params, gradient: gradient, state: AdamState(shape: [3, 4]), learningRate: 0.01)
        #expect(step.state.step == 1)
        for i in params.elements.indices {
            let x = gradient.elements[i]
            let expected = params.elements[i] - 0.01 * x / (abs(x) + 1e-8)
            #expect(abs(step.parameters.elements[i] - expected) <= 1e-15, "element \(i)")
        }
    }

    @Test("a trajectory equals repeated single steps threaded through the state")
    func trajectoryEqualsRepeatedSteps() throws {
        var g = SeededGenerator(seed: 2)
        let params = try Self.randomTensor(&g, [5])
        let gradients = try (0..<4).map { _ in try Self.randomTensor(&g, [5], scale: 0.3) }
        let lrs = [0.0, 0.01, 0.02, 0.02]
        let configuration = AdamConfiguration(algorithm: .adamw, weightDecay: 0.1)
        let trajectory = try adamTrajectory(parameters: params, gradients: gradients, state: AdamState(shape: [5]),
                                            learningRates: lrs, configuration: configuration)
        var theta = params
        var state = AdamState<Double>(shape: [5])
        for k in 0..<4 {
            (theta, state) = try adamStep(parameters: theta, gradient: gradients[k], state: state, learningRate: lrs[k],
                                          configuration: configuration)
            #expect(trajectory.parameterHistory[k] == theta)
        }
        #expect(trajectory.state == state && state.step == 4)
    }

    @Test("zero_start warm-up: non-decreasing, 0 at update 1, the peak from update W + 1 on")
    func warmupShape() throws {
        let schedule = WarmupSchedule(peakLearningRate: 1e-5, warmupSteps: 20)
        let lrs = try (1...40).map { try schedule.learningRate(atStep: $0) }
        #expect(lrs[0] == 0)
        for k in 1..<40 { #expect(lrs[k] >= lrs[k - 1]) }
        for k in 20..<40 { #expect(lrs[k] == 1e-5) }
        #expect(lrs[19] < 1e-5)
        #expect(throws: InputError.outOfRange(argument: "steps", value: 0, range: "[1, inf)")) {
            try schedule.learningRate(atStep: 0)
        }
    }

    @Test("norm clipping: the clipped global norm is at most max_norm, and the direction is kept",
          arguments: [0.05, 0.5, 5.0])
    func clippedNormIsBounded(_ maxNorm: Double) throws {
        var g = SeededGenerator(seed: 3)
        let gradients = try [Self.randomTensor(&g, [3]), Self.randomTensor(&g, [2, 2]), Self.randomTensor(&g, [])]
        let clipped = try clipGradientNorm(gradients, maxNorm: maxNorm, normEpsilon: 0)
        let after = clipped.gradients.reduce(0.0) { $0 + $1.dot($1) }.squareRoot()
        #expect(after <= maxNorm * (1 + 1e-15))
        #expect(abs(after - min(maxNorm, clipped.totalNorm)) <= 1e-14 * max(1, clipped.totalNorm))
        for (original, scaled) in zip(gradients, clipped.gradients) {
            #expect(scaled == clipped.coefficient * original)
        }
    }

    @Test("an empty list clips to an empty list with norm 0 and coefficient 1")
    func emptyListClipping() throws {
        let clipped = try clipGradientNorm([Tensor<Float>](), maxNorm: 1)
        #expect(clipped.gradients.isEmpty && clipped.totalNorm == 0 && clipped.coefficient == 1)
    }

    @Test("the default weight decay follows the algorithm unless a preset sets it")
    func weightDecayDefaults() {
        #expect(AdamConfiguration(algorithm: .adam).effectiveWeightDecay == 0)
        #expect(AdamConfiguration(algorithm: .adamw).effectiveWeightDecay == 0.01)
        var paper = OptimizerConfiguration.paper
        paper.adam.algorithm = .adamw
        #expect(paper.adam.effectiveWeightDecay == 0)
    }
}
