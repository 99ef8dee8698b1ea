import Tensor

/// A model whose parameters have file names (Hugging Face's safetensors keys): what loading, saving,
/// freezing and the optimisers need, written once for every model type.
public protocol NamedParameters {
    associatedtype Element: Scalar
    /// Every parameter under its on-disk name, in a fixed order.
    var namedParameters: [(String, WritableKeyPath<Self, Parameter<Element>>)] { get }
}

extension NamedParameters {
    /// Which parameters train: everything named for which `isTrainable(name)` holds.
    public mutating func setTrainable(where isTrainable: (String) -> Bool) {
        for (name, path) in namedParameters { self[keyPath: path].setTrainable(isTrainable(name)) }
    }

    /// Sets every trainable parameter's gradient to zero, in place.
    public mutating func zeroGradients() {
        let placeholder = Parameter<Element>(Tensor(shape: [0]))
        for (_, path) in namedParameters where self[keyPath: path].isTrainable {
            modifyParameter(at: path, placeholder: placeholder) { $0.zeroGradient() }
        }
    }

    /// Calls `body` with the parameter at `path` uniquely referenced, so that its tensors change in place.
    ///
    /// A key path through an array element or an optional reads and writes the whole element, so a
    /// tensor changed through it would be copied; the parameter is moved out (`placeholder`, any
    /// parameter, holds its place meanwhile) and back instead.
    public mutating func modifyParameter<Result>(at path: WritableKeyPath<Self, Parameter<Element>>, placeholder: Parameter<Element>,
                                                 _ body: (inout Parameter<Element>) throws -> Result) rethrows -> Result {
        var parameter = self[keyPath: path]
        self[keyPath: path] = placeholder
        defer { self[keyPath: path] = parameter }
        return try body(&parameter)
    }

    /// The trainable parameters' gradients by name.
    public var gradientsByName: [String: Tensor<Element>] {
        Dictionary(uniqueKeysWithValues: namedParameters.filter { self[keyPath: $0.1].isTrainable }
            .map { ($0.0, self[keyPath: $0.1].gradient) })
    }

    /// Sets each named parameter from `tensors`, requiring exactly that set of names.
    /// - Throws: `invalidArgument` for an unknown tensor, `missingInput` for an absent one,
    ///   `shapeMismatch` for a mis-shaped one, `nonFinite` for NaN/∞, each naming `file` and the tensor.
    mutating func assign(_ tensors: [String: Tensor<Element>], to names: [(String, WritableKeyPath<Self, Parameter<Element>>)],
                         file: String) throws {
        let expected = Set(names.map(\.0))
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw InputError.invalidArgument(argument: "\(file): \(extra)", reason: "is not a tensor of this configuration")
        }
        for (name, path) in names {
            guard let tensor = tensors[name] else { throw InputError.missingInput(argument: "\(file): \(name)") }
            let shape = self[keyPath: path].value.shape
            guard tensor.shape == shape else { throw InputError.shapeMismatch(argument: "\(file): \(name)", expected: shape, actual: tensor.shape) }
            if let i = tensor.firstNonFiniteIndex { throw InputError.nonFinite(argument: "\(file): \(name)", index: i) }
            let trainable = self[keyPath: path].isTrainable
            self[keyPath: path] = Parameter(tensor, trainable: trainable)
        }
    }

    /// Fills the named parameters as transformers' `initializer_range` default does: matrices and
    /// embeddings N(0, std²), norm weights 1, biases 0, drawn from `generator` in the order given.
    mutating func initialize(_ names: [(String, WritableKeyPath<Self, Parameter<Element>>)], standardDeviation std: Double,
                             using generator: inout SeededGenerator) {
        for (name, path) in names {
            var t = self[keyPath: path].value
            if name.contains("norm") && name.hasSuffix(".weight") {
                for i in t.elements.indices { t.elements[i] = 1 }
            } else if !name.hasSuffix(".bias") {
                for i in t.elements.indices { t.elements[i] = Element(std * generator.nextNormal()) }
            }
            self[keyPath: path].value = t
        }
    }
}

extension VisionLanguageModel: NamedParameters {
    public typealias Element = T
    /// Base weights, adapters, value head (`ParameterNames.all`).
    public var namedParameters: [(String, ParameterNames.Path<T>)] { ParameterNames.all(self) }
}
