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
    /// Specs return an empty dictionary.
    func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>]
    /// The Spec's presets, read from the tables `evaluate` resolves `preset` with (`rlref describe`).
    var presets: [PresetDescription] { get }
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

    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        [:]
    }

    /// L = Σ_k <cotangents[k], outputs[k]> in Double.
    public func weightedSum(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> Double {
        let outputs = try evaluate(inputs, as: Double.self)
        var total = 0.0
        for (name, cot) in cotangents {
            guard case .numbers(let out)? = outputs[name] else {
                throw InputError.invalidArgument(argument: "cotangents.\(name)", reason: "no numeric output of that name")
            }
            guard out.shape == cot.shape else {
                throw InputError.shapeMismatch(argument: "cotangents.\(name)", expected: out.shape, actual: cot.shape)
            }
            total += out.dot(cot)
        }
        return total
    }
}
