import Tensor

/// One output of an evaluation: numbers (any precision, held as Double) or any other JSON value
/// (strings, booleans, lists of words...).
public enum OutputValue: Sendable {
    case numbers(Tensor<Double>)
    case json(JSONValue)

    /// A numeric output from a tensor of any precision.
    public init<T: Scalar>(_ tensor: Tensor<T>) { self = .numbers(tensor.converted(to: Double.self)) }
    /// A scalar numeric output.
    public init<T: Scalar>(_ value: T) { self = .numbers(Tensor(scalar: Double(value))) }

    public var json: JSONValue {
        switch self {
        case .numbers(let t): JSONValue(t)
        case .json(let v): v
        }
    }
}

/// Named outputs of one evaluation.
public typealias Outputs = [String: OutputValue]

/// Binds a Spec to code: computes the Spec's outputs from a golden case's inputs, in any precision,
/// and (for differentiable Specs) the analytic gradient of L = Σ_k <cotangents[k], outputs[k]>.
///
/// Implementations live in the SpecCatalog module, one per Spec; the harness (`GoldenRunner`),
/// the tests and `rlref` all go through this protocol.
public protocol SpecEvaluator: Sendable {
    /// The Spec's name: `Specs/<spec>.md`, `GoldenData/<spec>/`.
    var spec: String { get }
    /// Forward evaluation in precision `T`. Invalid inputs throw `InputError`.
    func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs
    /// Analytic ∂L/∂x for every differentiable input present, in Double. Non-differentiable
    /// Specs return an empty dictionary. Callers go through `checkedGradients`, so an
    /// implementation may take every cotangent to have the shape of a numeric output it produces.
    func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>]
    /// The Spec's presets, read from the tables `evaluate` resolves `preset` with (`rlref describe`).
    var presets: [PresetDescription] { get }
    /// The values of the `form` input key, the default first, read from the table `evaluate` dispatches on
    /// (`rlref describe`); empty when the Spec has no `form` key or its evaluator has no such table.
    var forms: [String] { get }
}

/// A named preset as `rlref describe` lists it.
public struct PresetDescription: Sendable {
    /// The value of the `preset` input key.
    public var name: String
    /// The framework, version and files it reproduces.
    public var reproduces: String
    /// Every field the preset sets, as the configuration value prints itself.
    public var settings: String

    public init(name: String, reproduces: String, settings: String) {
        self.name = name
        self.reproduces = reproduces
        self.settings = settings
    }
}

extension SpecEvaluator {
    public var presets: [PresetDescription] { [] }
    public var forms: [String] { [] }

    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        [:]
    }

    /// `gradients(_:cotangents:)` after checking each cotangent against the output it pairs with:
    /// the one place every caller (the harness, `rlref eval`, the tests) validates cotangents, so no
    /// evaluator has to remember to.
    /// - Throws: the evaluation's `InputError`s, then those of `check(_:against:)`.
    public func checkedGradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        try Self.check(cotangents, against: evaluate(inputs, as: Double.self))
        return try gradients(inputs, cotangents: cotangents)
    }

    /// L = Σ_k <cotangents[k], outputs[k]> in Double.
    /// - Throws: the evaluation's `InputError`s, then those of `check(_:against:)`.
    public func weightedSum(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> Double {
        let outputs = try evaluate(inputs, as: Double.self)
        try Self.check(cotangents, against: outputs)
        var total = 0.0
        for (name, cot) in cotangents {
            if case .numbers(let out)? = outputs[name] { total += out.dot(cot) }
        }
        return total
    }

    /// Checks that every cotangent names a numeric output and has its shape.
    /// - Throws: `InputError.invalidArgument` for a cotangent on no numeric output (argument
    ///   `cotangents.<name>`), `shapeMismatch` for one whose shape differs from its output's.
    public static func check(_ cotangents: [String: Tensor<Double>], against outputs: Outputs) throws {
        for (name, cot) in cotangents.sorted(by: { $0.key < $1.key }) {
            let argument = "cotangents.\(name.sanitizedForMessage(quoted: false))"
            guard case .numbers(let out)? = outputs[name] else {
                throw InputError.invalidArgument(argument: argument, reason: "no numeric output of that name")
            }
            guard out.shape == cot.shape else {
                throw InputError.shapeMismatch(argument: argument, expected: out.shape, actual: cot.shape)
            }
        }
    }
}
