import Models
import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/Model.md: the input `layer` selects one layer's forward/backward pair
/// (Model-1 … Model-15) or the whole LLaVA-layout model (`llava`, Model-16). Every parameter of
/// the form is an input; gradients are returned for every numeric input (inputs and parameters).
public struct ModelEvaluator: SpecEvaluator {
    public let spec = "Model"
    public init() {}

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        try run(inputs, cotangents: nil as [String: Tensor<T>]?).outputs.mapValues { OutputValue($0) }
    }

    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        try run(inputs, cotangents: cotangents).gradients
    }

    /// Forward in precision T; with cotangents, also the backward pass.
    func run<T: Scalar>(_ inputs: GoldenInputs, cotangents: [String: Tensor<T>]?) throws -> LayerResult<T> {
        guard let layer = try inputs.string("layer") else { throw InputError.missingInput(argument: "layer") }
        let form = LayerForm<T>(inputs: inputs, cotangents: cotangents)
        switch layer {
        case "linear", "lora_linear": return try form.linear(lora: layer == "lora_linear")
        case "embedding": return try form.embedding()
        case "rms_norm": return try form.rmsNorm()
        case "layer_norm": return try form.layerNorm()
        case "rotary": return try form.rotary()
        case "attention": return try form.attention()
        case "activation": return try form.activation()
        case "swiglu_mlp": return try form.swiGLU()
        case "clip_mlp", "projector": return try form.perceptron(prefixes: layer == "projector" ? ("linear_1", "linear_2") : ("fc1", "fc2"),
                                                                  defaultFunction: layer == "projector" ? .gelu : .quickGelu)
        case "patch_embedding": return try form.patchEmbedding()
        case "clip_encoder_layer": return try form.encoderLayer()
        case "llama_decoder_layer": return try form.decoderLayer()
        case "value_head": return try form.valueHead()
        case "llava": return try form.wholeModel()
        case "image_preprocessing": return try form.imagePreprocessing()
        default:
            throw InputError.invalidArgument(argument: "layer", reason: "unknown layer \"\(layer)\"")
        }
    }
}

/// Outputs and (with cotangents) gradients of one evaluation.
struct LayerResult<T: Scalar> {
    var outputs: [String: Tensor<T>]
    var gradients: [String: Tensor<Double>] = [:]
}
