import Models
import RLAlgorithms
import Tensor
import Verification

extension LayerForm {
    /// Model-16 (`layer: "llava"`): `config` (a transformers config.json object), every base weight
    /// under its on-disk name, the value head as `value_head.layers.{k}.weight` / `.bias` with
    /// `value_head_function`, input_ids [B, T], attention_mask [B, T], pixel_values [I, C, S, S] →
    /// log_probs, entropy, values [B, T−1] at every position (padding included). Gradients for
    /// pixel_values and every parameter.
    func wholeModel() throws -> LayerResult<T> {
        guard let configJSON = inputs.object["config"] else { throw InputError.missingInput(argument: "config") }
        let configuration = try ModelConfiguration(huggingFace: configJSON)
        let reserved: Set<String> = ["layer", "config", "input_ids", "attention_mask", "pixel_values", "value_head_function"]
        var weights: [String: Tensor<T>] = [:], headWeights: [String: Tensor<T>] = [:]
        for key in inputs.object.keys where !reserved.contains(key) {
            let t: Tensor<T> = try inputs.tensor(key)
            if key.hasPrefix("value_head.") { headWeights[key] = t } else { weights[key] = t }
        }
        var model = try VisionLanguageModel<T>(configuration: configuration, weights: weights)
        if !headWeights.isEmpty {
            model.valueHead = try ValueHead(tensors: headWeights, inputWidth: configuration.text.hiddenSize,
                                            activation: try activationNamed("value_head_function", default: .relu))
        }
        let idShape = try shapeOf("input_ids", rank: 2)
        let ids = try integers("input_ids", shape: idShape)
        let (rows, length) = (idShape[0], idShape[1])
        let tokens = (0..<rows).map { Array(ids[($0 * length)..<(($0 + 1) * length)]) }
        let mask = inputs.contains("attention_mask") ? try integers("attention_mask", shape: [rows, length]).map { $0 != 0 } : nil
        let batch = ModelBatch<T>(tokens: tokens, attentionMask: mask.map { m in (0..<rows).map { Array(m[($0 * length)..<(($0 + 1) * length)]) } },
                                  pixels: try inputs.optionalTensor("pixel_values"))
        model.setTrainable { _ in true }
        var context = self.context
        let scores = try model.score(batch, mask: Tensor(shape: [rows, max(length - 1, 0)], repeating: 1), context: &context)
        var outputs = ["log_probs": scores.logProbs, "entropy": scores.entropy]
        if let v = scores.values { outputs["values"] = v }
        var result = LayerResult(outputs: outputs)
        let shape = [rows, length - 1]
        guard cotangents != nil else { return result }
        let dPixels = try model.backward(scores, logProbsGradient: try cotangent("log_probs", shape: shape),
                                         entropyGradient: try cotangent("entropy", shape: shape),
                                         valuesGradient: model.valueHead == nil ? nil : try cotangent("values", shape: shape),
                                         needsPixelGradient: batch.pixels != nil)
        if let dPixels { result.gradients["pixel_values"] = dPixels.converted(to: Double.self) }
        for (name, path) in ParameterNames.all(model) { result.gradients[name] = Self.gradient(model[keyPath: path]) }
        return result
    }

    /// Model-17: `image` [H, W, C] 8-bit values (C 1, 3 or 4), `size` → `pixel_values` [3, size, size].
    func imagePreprocessing() throws -> LayerResult<T> {
        let image: Tensor<Double> = try inputs.tensor("image")
        guard image.rank == 3 else { throw InputError.shapeMismatch(argument: "image", expected: [-1, -1, -1], actual: image.shape) }
        guard image.elements.allSatisfy({ $0 >= 0 && $0 <= 255 && $0 == $0.rounded() }) else {
            throw InputError.outOfRange(argument: "image", value: image.elements.first { !($0 >= 0 && $0 <= 255 && $0 == $0.rounded()) } ?? .nan,
                                        range: "integers in [0, 255]")
        }
        let png = try PNGImage(width: image.shape[1], height: image.shape[0], channels: image.shape[2], pixels: image.elements.map { UInt8($0) })
        return LayerResult(outputs: ["pixel_values": try ImagePreprocessing.pixelValues(png, size: try positiveInteger("size"), as: T.self)])
    }

    func shapeOf(_ key: String, rank: Int) throws -> [Int] {
        let t: Tensor<Double> = try inputs.tensor(key)
        guard t.rank == rank else { throw InputError.shapeMismatch(argument: key, expected: Array(repeating: -1, count: rank), actual: t.shape) }
        return t.shape
    }

    func activationNamed(_ key: String, default value: Activation) throws -> Activation {
        guard let name = try inputs.string(key) else { return value }
        guard let f = Activation(rawValue: name) else { throw InputError.invalidArgument(argument: key, reason: "unknown activation \"\(name)\"") }
        return f
    }
}
