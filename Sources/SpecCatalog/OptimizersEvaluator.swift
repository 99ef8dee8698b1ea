import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/Optimizers.md: the `operation` key selects `adam_step`,
/// `adam_trajectory`, `warmup_lr`, `clip_grad_norm` or `clip_grad_value` (inputs and outputs: the
/// Spec's "Golden inputs and outputs" section). Values only: no gradients.
public struct OptimizersEvaluator: SpecEvaluator {
    public let spec = "Optimizers"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with, and what each reproduces.
    public var presets: [PresetDescription] { PresetProvenance.describe(OptimizerConfiguration.presets, PresetProvenance.ppo) }

    private enum Operation: String, CaseIterable {
        case adamStep = "adam_step"
        case adamTrajectory = "adam_trajectory"
        case warmupLR = "warmup_lr"
        case clipGradNorm = "clip_grad_norm"
        case clipGradValue = "clip_grad_value"
    }

    /// The configuration from `preset` and explicit keys; unknown names are `invalid_argument`,
    /// numeric ranges are checked by the library.
    private func configuration(_ inputs: GoldenInputs) throws -> OptimizerConfiguration {
        var c = try inputs.preset(OptimizerConfiguration.presets, default: OptimizerConfiguration())
        c.adam.algorithm = try inputs.convention("algorithm", default: c.adam.algorithm)
        c.warmup.mode = try inputs.convention("warmup_mode", default: c.warmup.mode)
        if let v = try inputs.number("beta1") { c.adam.beta1 = v }
        if let v = try inputs.number("beta2") { c.adam.beta2 = v }
        if let v = try inputs.number("eps") { c.adam.epsilon = v }
        if let v = try inputs.number("weight_decay") { c.adam.weightDecay = v }
        if let v = try inputs.number("lr") { c.warmup.peakLearningRate = v }
        if let v = try inputs.number("max_norm") { c.maxNorm = v }
        if let v = try inputs.number("norm_epsilon") { c.normEpsilon = v }
        if let v = try inputs.number("clip_value") { c.clipValue = v }
        return c
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        guard inputs.contains("operation") else { throw InputError.missingInput(argument: "operation") }
        let operation: Operation = try inputs.convention("operation", default: .adamStep)
        var c = try configuration(inputs)
        switch operation {
        case .adamStep, .adamTrajectory:
            return try adam(inputs, trajectory: operation == .adamTrajectory, c, as: T.self)
        case .warmupLR:
            guard let steps = try inputs.integers("steps") else { throw InputError.missingInput(argument: "steps") }
            if let w = try inputs.integer("warmup_steps") { c.warmup.warmupSteps = w }
            switch try inputs.string("decay") ?? "constant" {
            case "constant": c.warmup.decay = .constant
            case "cosine":
                guard let total = try inputs.integer("total_steps") else { throw InputError.missingInput(argument: "total_steps") }
                c.warmup.decay = .cosine(totalSteps: total, cycles: try inputs.number("num_cycles") ?? 0.5)
            case let other: throw InputError.invalidArgument(argument: "decay", reason: "unknown decay \"\(other)\"; allowed: \"constant\", \"cosine\"")
            }
            let lrs = try steps.map { try c.warmup.learningRate(atStep: $0) }
            return ["lrs": OutputValue(Tensor(lrs.map { T($0) }))]
        case .clipGradNorm:
            let clipped = try clipGradientNorm(try tensorList(inputs, as: T.self), maxNorm: c.maxNorm,
                                               normEpsilon: c.normEpsilon)
            return ["grads": .json(.array(clipped.gradients.map(JSONValue.init))),
                    "total_norm": OutputValue(clipped.totalNorm), "clip_coef": OutputValue(clipped.coefficient)]
        case .clipGradValue:
            let clamped = try clampGradients(try tensorList(inputs, as: T.self), clipValue: c.clipValue)
            return ["grads": .json(.array(clamped.map(JSONValue.init)))]
        }
    }

    /// `adam_step` (one update with index `step`) and `adam_trajectory` (K updates from `step`,
    /// default 1, with `lr` or per-step `lrs`).
    private func adam<T: Scalar>(_ inputs: GoldenInputs, trajectory: Bool, _ c: OptimizerConfiguration,
                                 as: T.Type) throws -> Outputs {
        for key in ["params", "grads"] + (trajectory ? [] : ["step"]) where !inputs.contains(key) {
            throw InputError.missingInput(argument: key)
        }
        let params: Tensor<T> = try inputs.tensor("params")
        let grads: Tensor<T> = try inputs.tensor("grads")
        var gradients = [grads]
        if trajectory {
            guard grads.shape.first != 0 else {
                throw InputError.empty(argument: "grads", reason: "a trajectory needs at least one gradient")
            }
            guard Array(grads.shape.dropFirst()) == params.shape else {
                throw InputError.shapeMismatch(argument: "grads", expected: [-1] + params.shape, actual: grads.shape)
            }
            let size = params.count
            gradients = try (0..<grads.shape[0]).map {
                try Tensor(shape: params.shape, elements: Array(grads.elements[($0 * size)..<($0 * size + size)]), argument: "grads")
            }
        }
        let state = AdamState<T>(firstMoment: try inputs.optionalTensor("m") ?? Tensor(shape: params.shape),
                              secondMoment: try inputs.optionalTensor("v") ?? Tensor(shape: params.shape),
                              step: (try inputs.integer("step") ?? 1) - 1)
        if inputs.contains("lr") && inputs.contains("lrs") {
            throw InputError.invalidArgument(argument: "lrs", reason: "give either lr or lrs, not both")
        }
        var learningRates = Array(repeating: c.warmup.peakLearningRate, count: gradients.count)
        if trajectory, let lrs: Tensor<Double> = try inputs.optionalTensor("lrs") {
            guard lrs.shape == [gradients.count] else {
                throw InputError.shapeMismatch(argument: "lrs", expected: [gradients.count], actual: lrs.shape)
            }
            learningRates = lrs.elements
        }
        let result = try adamTrajectory(parameters: params, gradients: gradients, state: state,
                                        learningRates: learningRates, configuration: c.adam)
        var out: Outputs = ["params": OutputValue(result.parameters), "m": OutputValue(result.state.firstMoment),
                            "v": OutputValue(result.state.secondMoment)]
        if trajectory {
            let history = try Tensor<T>(shape: [gradients.count] + params.shape,
                                     elements: result.parameterHistory.flatMap(\.elements), argument: "params_history")
            out["params_history"] = OutputValue(history)
        }
        return out
    }

    /// `grads` as a list of tensors: the outermost JSON array is the list, each item any shape.
    private func tensorList<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> [Tensor<T>] {
        guard inputs.contains("grads"), let value = inputs.object["grads"] else {
            throw InputError.missingInput(argument: "grads")
        }
        guard case .array(let items) = value else {
            throw InputError.invalidArgument(argument: "grads", reason: "expected a list of tensors")
        }
        return try items.enumerated().map { try JSONValue.tensor(from: $1, argument: "grads[\($0)]", as: T.self) }
    }
}
