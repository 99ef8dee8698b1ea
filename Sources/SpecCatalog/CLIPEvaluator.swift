import Models
import RLAlgorithms
import Tensor
import Verification

/// Golden-file binding of Specs/CLIP.md. `form: "clip"` runs the whole CLIPModel (CLIP-1 … CLIP-6) from
/// a transformers `config` object and every weight under its safetensors name; `form:
/// "contrastive_loss"` runs the similarity and loss alone on given features (CLIP-4 … CLIP-7).
public struct CLIPEvaluator: SpecEvaluator {
    public let spec = "CLIP"
    public init() {}

    enum Form: String, CaseIterable { case clip, contrastiveLoss = "contrastive_loss" }
    public var forms: [String] { Form.allCases.map(\.rawValue) }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        try run(inputs, cotangents: nil as [String: Tensor<T>]?).outputs.mapValues { OutputValue($0) }
    }

    public func gradients(_ inputs: GoldenInputs, cotangents: [String: Tensor<Double>]) throws -> [String: Tensor<Double>] {
        try run(inputs, cotangents: cotangents).gradients
    }

    func run<T: Scalar>(_ inputs: GoldenInputs, cotangents: [String: Tensor<T>]?) throws -> LayerResult<T> {
        let name = try inputs.string("form") ?? Form.clip.rawValue
        guard let form = Form(rawValue: name) else { throw InputError.invalidArgument(argument: "form", reason: "unknown form \"\(name)\"") }
        switch form {
        case .clip: return try wholeModel(inputs, cotangents: cotangents)
        case .contrastiveLoss: return try contrastiveLoss(inputs, cotangents: cotangents)
        }
    }

    /// ∂L/∂logits_per_text from the cotangents of logits_per_text [B, I] and logits_per_image [I, B].
    func logitsCotangent<T: Scalar>(_ cotangents: [String: Tensor<T>], shape: [Int]) throws -> Tensor<T> {
        var g = Tensor<T>(shape: shape)
        if let c = cotangents["logits_per_text"] { g = g + c }
        if let c = cotangents["logits_per_image"] {
            for i in 0..<shape[0] { for j in 0..<shape[1] { g.elements[i * shape[1] + j] += c.elements[j * shape[0] + i] } }
        }
        return g
    }

    /// CLIP-4 … CLIP-7: text_embeds [N_t, P], image_embeds [N_i, P] (features before normalisation),
    /// logit_scale, optional max_logit_scale → logits_per_image, logits_per_text, loss. Gradients for
    /// text_embeds, image_embeds and logit_scale.
    func contrastiveLoss<T: Scalar>(_ inputs: GoldenInputs, cotangents: [String: Tensor<T>]?) throws -> LayerResult<T> {
        let u: Tensor<T> = try inputs.tensor("text_embeds"), v: Tensor<T> = try inputs.tensor("image_embeds")
        guard let s = try inputs.number("logit_scale") else { throw InputError.missingInput(argument: "logit_scale") }
        let similarity = try ContrastiveSimilarity(textFeatures: u, imageFeatures: v, logitScale: T(s),
                                                   maxLogitScale: try inputs.number("max_logit_scale"))
        var result = LayerResult(outputs: ["logits_per_text": similarity.logitsPerText, "logits_per_image": similarity.logitsPerImage,
                                           "loss": Tensor(scalar: try similarity.loss())])
        guard let cotangents else { return result }
        var g = try logitsCotangent(cotangents, shape: similarity.logitsPerText.shape)
        if let dLoss = cotangents["loss"] {
            let d = try similarity.lossGradient()
            for i in g.elements.indices { g.elements[i] += dLoss.elements[0] * d.elements[i] }
        }
        let (du, dv, ds) = try similarity.backward(logitsPerTextGradient: g)
        result.gradients = ["text_embeds": du.converted(), "image_embeds": dv.converted(), "logit_scale": Tensor(scalar: Double(ds))]
        return result
    }

    /// CLIP-1 … CLIP-6: `config` (a transformers CLIPConfig object), input_ids [B, T], attention_mask
    /// [B, T] (optional), pixel_values [I, C, S, S] with I = B, every weight → text_input_embeddings,
    /// text_last_hidden_state [B, T, D], text_pooled [B, D], image_pooled [I, D_v], text_embeds,
    /// image_embeds, logits_per_image, logits_per_text, loss. The batch is checked before any weight
    /// is read. Gradients for every parameter (cotangents of loss and the logits).
    func wholeModel<T: Scalar>(_ inputs: GoldenInputs, cotangents: [String: Tensor<T>]?) throws -> LayerResult<T> {
        guard let configJSON = inputs.object["config"] else { throw InputError.missingInput(argument: "config") }
        let configuration = try CLIPConfiguration(huggingFace: configJSON)
        let ids: Tensor<Double> = try inputs.tensor("input_ids")
        guard ids.rank == 2 else { throw InputError.shapeMismatch(argument: "input_ids", expected: [-1, -1], actual: ids.shape) }
        let (rows, length) = (ids.shape[0], ids.shape[1])
        func integerRows(_ t: Tensor<Double>, _ key: String) throws -> [[Int]] {
            guard t.elements.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e15 }) else {
                throw InputError.invalidArgument(argument: key, reason: "holds a non-integer")
            }
            return (0..<rows).map { r in (0..<length).map { Int(t.elements[r * length + $0]) } }
        }
        var mask: [[Bool]]?
        if inputs.contains("attention_mask") {
            let m: Tensor<Double> = try inputs.tensor("attention_mask")
            try requireShape(m, ids.shape, "attention_mask")
            mask = try integerRows(m, "attention_mask").map { $0.map { $0 != 0 } }
        }
        let batch = CLIPBatch<T>(tokens: try integerRows(ids, "input_ids"), attentionMask: mask, pixels: try inputs.tensor("pixel_values"))
        try batch.validate(for: configuration, requiringPairs: true)
        let reserved: Set<String> = ["form", "config", "input_ids", "attention_mask", "pixel_values"]
        var weights: [String: Tensor<T>] = [:]
        for key in inputs.object.keys where !reserved.contains(key) { weights[key] = try inputs.tensor(key) }
        var model = try CLIPModel<T>(configuration: configuration, weights: weights)
        model.setTrainable { _ in true }
        var context = ForwardContext.evaluation
        let pass = try model.forward(batch, requiringPairs: true, context: &context)
        let (d, dv) = (configuration.text.hiddenSize, configuration.vision.hiddenSize)
        var result = LayerResult(outputs: [
            "text_input_embeddings": pass.text.inputEmbeddings.reshaped([rows, length, d]),
            "text_last_hidden_state": pass.text.hidden.reshaped([rows, length, d]),
            "text_pooled": pass.text.pooled, "image_pooled": pass.image.pooled.reshaped([batch.images, dv]),
            "text_embeds": pass.similarity.textEmbeddings, "image_embeds": pass.similarity.imageEmbeddings,
            "logits_per_text": pass.similarity.logitsPerText, "logits_per_image": pass.similarity.logitsPerImage,
            "loss": Tensor(scalar: pass.loss!),
        ])
        guard let cotangents else { return result }
        let supported: Set<String> = ["loss", "logits_per_text", "logits_per_image"]
        if let other = cotangents.keys.sorted().first(where: { !supported.contains($0) && cotangents[$0]!.elements.contains { $0 != 0 } }) {
            throw InputError.invalidArgument(argument: "cotangents.\(other)", reason: "the clip form differentiates loss and logits only")
        }
        try model.backward(pass, lossGradient: cotangents["loss"]?.elements.first,
                           logitsPerTextGradient: try logitsCotangent(cotangents, shape: pass.similarity.logitsPerText.shape))
        for (name, path) in model.namedParameters { result.gradients[name] = model[keyPath: path].gradient.converted(to: Double.self) }
        return result
    }
}
