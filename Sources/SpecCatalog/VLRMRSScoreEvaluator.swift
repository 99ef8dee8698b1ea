import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/VLRMRSScore.md (input and output keys: the Spec's "Golden inputs and
/// outputs" section).
public struct VLRMRSScoreEvaluator: SpecEvaluator {
    public let spec = "VLRMRSScore"
    public init() {}

    /// The preset table `evaluate` resolves `preset` with.
    public var presets: [PresetDescription] { PresetProvenance.describe(VLRMRSConfiguration.presets, [:]) }

    /// The inputs in the Spec's error order: missing keys, preset and `std`, then the matrices
    /// (ragged → shape_mismatch); the library checks shapes, emptiness, finiteness and ranges.
    private func arguments<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws
        -> (images: Tensor<T>, texts: Tensor<T>, itm: Tensor<T>, configuration: VLRMRSConfiguration) {
        for key in ["image_embeddings", "text_embeddings", "itm"] where !inputs.contains(key) {
            throw InputError.missingInput(argument: key)
        }
        var c = try inputs.preset(VLRMRSConfiguration.presets, default: .paper)
        c.variance = try inputs.convention("std", default: c.variance)
        if let w = try inputs.number("phi_weight") { c.phiWeight = w }
        if let s = try inputs.number("logit_scale") { c.logitScale = s }
        if let e = try inputs.number("epsilon") { c.epsilon = e }
        if let e = try inputs.number("norm_epsilon") { c.normEpsilon = e }
        return (try inputs.matrix("image_embeddings"), try inputs.matrix("text_embeddings"),
                try inputs.tensor("itm"), c)
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        let a = try arguments(inputs, as: T.self)
        let r = try vlrmRSScore(imageEmbeddings: a.images, textEmbeddings: a.texts, itm: a.itm, configuration: a.configuration)
        return ["similarity": OutputValue(r.similarity), "d": OutputValue(r.d), "phi": OutputValue(r.phi),
                "sim": OutputValue(r.sim)]
    }

    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        let a = try arguments(inputs, as: Double.self)
        let g = try vlrmRSScoreBackward(imageEmbeddings: a.images, textEmbeddings: a.texts, itm: a.itm,
                                        configuration: a.configuration,
                                        simGradient: cotangents["sim"] ?? Tensor(shape: a.itm.shape))
        return ["image_embeddings": g.imageEmbeddings, "text_embeddings": g.textEmbeddings, "itm": g.itm]
    }
}
