import Models
import RLAlgorithms
import Tensor

/// A set of parameters (by Hugging Face name) that share a learning rate and a weight decay
/// (seed 000: 5e-6 for the policy, 1e-5 for the value head).
public struct ParameterGroup: Sendable, Equatable {
    public var name: String
    /// Which parameter names belong to the group (the first group that claims a name gets it).
    public var contains: @Sendable (String) -> Bool
    public var schedule: WarmupSchedule
    public var weightDecay: Double

    public init(name: String, learningRate: Double, warmupSteps: Int = 0, decay: LearningRateDecay = .constant,
                weightDecay: Double, contains: @escaping @Sendable (String) -> Bool) {
        self.name = name
        self.contains = contains
        self.schedule = WarmupSchedule(peakLearningRate: learningRate, warmupSteps: warmupSteps, decay: decay)
        self.weightDecay = weightDecay
    }

    public static func == (a: ParameterGroup, b: ParameterGroup) -> Bool {
        a.name == b.name && a.schedule == b.schedule && a.weightDecay == b.weightDecay
    }
}

/// Adam / AdamW over a model's trainable parameters in groups, with optional global-norm clipping
/// and element-wise clamping — each update is the Optimizers Spec's functions (`clipGradientNorm`,
/// `clampGradients`, `adamUpdate`; Specs/Optimizers.md Optimizers-1 … Optimizers-6), not a second copy.
/// Parameters and moments are updated in place (a parameter's first update creates its moments).
///
/// One `step` reads the accumulated gradients (several backward passes before a step accumulate
/// micro-batches; scale each loss by 1/k for a mean), clips them over all groups together as
/// `torch.nn.utils.clip_grad_norm_` does over the parameters it is given, updates every parameter
/// with its group's learning rate at this step, and leaves the gradients for `zeroGradients()`.
public struct ParameterGroupOptimizer<T: Scalar>: Sendable {
    public var adam: AdamConfiguration
    public var groups: [ParameterGroup]
    /// Global-norm bound (seed 000: 0.5), nil for none; applied before `clipValue`.
    public var maxGradientNorm: Double?
    /// Element-wise clamp (seed 004: 1), nil for none.
    public var clipValue: Double?
    /// Moments and step count per parameter name.
    public private(set) var states: [String: AdamState<T>] = [:]
    /// Updates applied so far.
    public private(set) var stepCount = 0

    public init(adam: AdamConfiguration, groups: [ParameterGroup], maxGradientNorm: Double? = nil, clipValue: Double? = nil) {
        self.adam = adam
        self.groups = groups
        self.maxGradientNorm = maxGradientNorm
        self.clipValue = clipValue
    }

    /// Replaces the moments and the step count (a checkpoint's). - Throws: `invalidArgument` for a
    /// negative step count or a state whose moments differ in shape.
    public mutating func restore(states: [String: AdamState<T>], stepCount: Int) throws {
        guard stepCount >= 0 else { throw InputError.invalidArgument(argument: "optimizer_steps", reason: "is negative") }
        for (name, s) in states where s.firstMoment.shape != s.secondMoment.shape || s.step < 0 {
            throw InputError.invalidArgument(argument: name, reason: "has an inconsistent optimizer state")
        }
        self.states = states
        self.stepCount = stepCount
    }

    /// The trainable parameters of `model` with the index of their group, in `namedParameters` order.
    /// - Throws: `invalidArgument` naming a trainable parameter that no group claims.
    func members<Model: NamedParameters>(of model: Model) throws
        -> [(name: String, path: WritableKeyPath<Model, Parameter<T>>, group: Int)] where Model.Element == T {
        try model.namedParameters.filter { model[keyPath: $0.1].isTrainable }.map { name, path in
            guard let g = groups.firstIndex(where: { $0.contains(name) }) else {
                throw InputError.invalidArgument(argument: name, reason: "is trainable but in no parameter group")
            }
            return (name, path, g)
        }
    }

    /// One update of every trainable parameter of any named-parameter model (the LLaVA-layout model,
    /// the CLIP model). Returns the global gradient norm before clipping.
    @discardableResult
    @_specialize(where T == Float, Model == VisionLanguageModel<Float>)
    @_specialize(where T == Float, Model == CLIPModel<Float>)
    public mutating func step<Model: NamedParameters>(_ model: inout Model) throws -> T where Model.Element == T {
        let members = try members(of: model)
        var gradients = members.map { model[keyPath: $0.path].gradient }
        var norm: T = 0
        if let maxGradientNorm {
            let clipped = try clipGradientNorm(gradients, maxNorm: maxGradientNorm)
            gradients = clipped.gradients
            norm = clipped.totalNorm
        } else {
            norm = gradients.reduce(0) { $0 + $1.dot($1) }.squareRoot()
        }
        if let clipValue { gradients = try clampGradients(gradients, clipValue: clipValue) }
        stepCount += 1
        let placeholder = Parameter<T>(Tensor(shape: [0]))
        for (member, gradient) in zip(members, gradients) {
            let group = groups[member.group]
            var configuration = adam
            configuration.weightDecay = group.weightDecay
            let learningRate = try group.schedule.learningRate(atStep: stepCount)
            let shape = model[keyPath: member.path].value.shape
            try model.modifyParameter(at: member.path, placeholder: placeholder) { parameter in
                try adamUpdate(&parameter.value, gradient: gradient, state: &states[member.name, default: AdamState(shape: shape)],
                               learningRate: learningRate, configuration: configuration)
            }
        }
        return norm
    }
}
