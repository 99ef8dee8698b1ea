import Foundation
import Models
import RLAlgorithms
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/CLIP.md: the golden cases (transformers' CLIPModel in float64, the loss alone), the model folder
/// transformers saved loaded by RLRef, central differences of the loss, and the save → load round trip.
@Suite("CLIP")
struct CLIPTests {
    @Test("golden cases", arguments: try Golden.cases("CLIP"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: CLIPEvaluator())
    }

    static var folder: String { (Golden.library.directory as NSString).appendingPathComponent("CLIP/transformers/micro") }

    /// The whole-model case whose expectations the folder tests reuse (same weights, same batch).
    static func lossCase() throws -> GoldenCase {
        try #require(try parsedCases.get().first { $0.id == "micro-loss" })
    }

    /// The golden file parsed once for the tests that read one case.
    static let parsedCases = Result { try Golden.cases("CLIP") }

    static func batch<T: Scalar>(_ c: GoldenCase, as: T.Type) throws -> CLIPBatch<T> {
        let ids: Tensor<Double> = try c.inputs.tensor("input_ids"), mask: Tensor<Double> = try c.inputs.tensor("attention_mask")
        let (rows, length) = (ids.shape[0], ids.shape[1])
        return CLIPBatch(tokens: (0..<rows).map { r in (0..<length).map { Int(ids[r, $0]) } },
                         attentionMask: (0..<rows).map { r in (0..<length).map { mask[r, $0] != 0 } },
                         pixels: try c.inputs.tensor("pixel_values"))
    }

    static func expectMatch(_ expected: JSONValue, _ actual: JSONValue, _ tolerance: Tolerance, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        let report = compare(expected: expected, actual: actual, tolerance: tolerance, path: what)
        #expect(report.passed && report.comparedElements > 0, "\(what): \(report)", sourceLocation: sourceLocation)
    }

    /// Outputs and every parameter's loss gradient of the folder's model against the golden case.
    static func checkFolder<T: Scalar>(as: T.Type, tolerance: Tolerance) throws {
        let c = try lossCase()
        var model = try ModelFolder.loadCLIP(folder, as: T.self)
        model.setTrainable { _ in true }
        let batch = try batch(c, as: T.self)
        var context = ForwardContext.evaluation
        let loss = try model.contrastiveLossAndGradients(batch, context: &context)
        let pass = try model.forward(batch, context: &context)
        expectMatch(c.expected["loss"]!, .number(Double(loss)), tolerance, "\(T.self) loss")
        expectMatch(c.expected["text_embeds"]!, JSONValue(pass.similarity.textEmbeddings), tolerance, "\(T.self) text_embeds")
        expectMatch(c.expected["image_embeds"]!, JSONValue(pass.similarity.imageEmbeddings), tolerance, "\(T.self) image_embeds")
        expectMatch(c.expected["logits_per_image"]!, JSONValue(pass.similarity.logitsPerImage), tolerance, "\(T.self) logits_per_image")
        // every parameter's gradient, recorded by the generator beside the weights
        let expected = try Safetensors.read(contentsOf: folder + "/loss_gradients.safetensors", as: Double.self).tensors
        let gradients = model.gradientsByName
        #expect(Set(gradients.keys) == Set(expected.keys) && expected.count == model.namedParameters.count)
        for (name, value) in expected {
            expectMatch(JSONValue(value), JSONValue(try #require(gradients[name])), tolerance, "\(T.self) ∂loss/∂\(name)")
        }
    }

    @Test("the folder transformers saved loads, and gives its embeddings, logits, loss and every gradient in Double")
    func transformersFolderDouble() throws {
        try Self.checkFolder(as: Double.self, tolerance: Tolerance(absolute: 1e-12, relative: 1e-10))
    }

    /// Float: measured worst error ~1e-6 on gradients of magnitude ~1 (Specs/CLIP.md, "Golden inputs and outputs").
    @Test("the same folder in Float at the documented tolerance (atol 1e-5, rtol 1e-4)")
    func transformersFolderFloat() throws {
        try Self.checkFolder(as: Float.self, tolerance: Tolerance(absolute: 1e-5, relative: 1e-4))
    }

    /// Central differences of the loss (step 1e-6·max(1, |x|), CONTRIBUTING's gradient-check tolerance).
    @Test("central differences of the loss agree with the analytic gradient (logit_scale, projections, embeddings, norms)",
          arguments: [nil, log(100.0), 1.0])
    func finiteDifferences(maxLogitScale: Double?) throws {
        let c = try Self.lossCase()
        let batch = try Self.batch(c, as: Double.self)
        var model = try ModelFolder.loadCLIP(Self.folder, as: Double.self)
        model.setTrainable { _ in true }
        var context = ForwardContext.evaluation
        _ = try model.contrastiveLossAndGradients(batch, maxLogitScale: maxLogitScale, context: &context)
        let probes: [(String, Int)] = [("logit_scale", 0), ("text_projection.weight", 5), ("visual_projection.weight", 17),
                                       ("text_model.embeddings.token_embedding.weight", 3 * 8 + 2),
                                       ("text_model.embeddings.position_embedding.weight", 4 * 8 + 1),
                                       ("text_model.encoder.layers.1.self_attn.k_proj.weight", 9),
                                       ("vision_model.post_layernorm.bias", 3), ("vision_model.embeddings.class_embedding", 6)]
        let paths = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.0, $0.1) })
        for (name, index) in probes {
            let path = try #require(paths[name])
            let x = model[keyPath: path].value.elements[index]
            let h = GradientCheck.step(at: x)
            func loss(at value: Double) throws -> Double {
                var m = model
                m[keyPath: path].value.elements[index] = value
                var ctx = ForwardContext.evaluation
                return try m.forward(batch, requiringPairs: true, maxLogitScale: maxLogitScale, context: &ctx).loss!
            }
            let numeric = (try loss(at: x + h) - loss(at: x - h)) / (2 * h)
            let analytic = model[keyPath: path].gradient.elements[index]
            #expect(abs(numeric - analytic) <= 1e-6 + 1e-5 * abs(analytic),
                    "\(name)[\(index)] max_logit_scale \(String(describing: maxLogitScale)): analytic \(analytic), numeric \(numeric)")
        }
        if let m = maxLogitScale, m < 1.3 {
            #expect(model.logitScale.gradient.elements[0] == 0, "a clamped logit_scale gets no gradient")
        }
    }

    @Test("a CLIP model saved by RLRef loads again as the same model, in F64 and F32 files")
    func saveAndLoad() throws {
        let model = try ModelFolder.loadCLIP(Self.folder, as: Double.self)
        let out = NSTemporaryDirectory() + "rlref-clip-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        try ModelFolder.save(model, to: out, dtype: .f64)
        let again = try ModelFolder.loadCLIP(out, as: Double.self)
        #expect(again.configuration == model.configuration)
        #expect(model.namedParameters.map(\.0) == again.namedParameters.map(\.0))
        for ((name, p1), (_, p2)) in zip(model.namedParameters, again.namedParameters) {
            #expect(model[keyPath: p1].value == again[keyPath: p2].value, "\(name)")
        }
        try ModelFolder.save(model, to: out, dtype: .f32)
        let single = try ModelFolder.loadCLIP(out, as: Float.self)
        #expect(single.textProjection.weight.value == model.textProjection.weight.value.converted(to: Float.self))
        #expect(single.logitScale.value.shape == [])
    }

    @Test("unit-length text and image embeddings for rewards equal the model's normalised embeddings")
    func rewardEmbeddings() throws {
        let c = try Self.lossCase()
        let model = try ModelFolder.loadCLIP(Self.folder, as: Double.self)
        let batch = try Self.batch(c, as: Double.self)
        let text = try model.textEmbeddings(tokens: batch.tokens, attentionMask: batch.attentionMask)
        let image = try model.imageEmbeddings(pixels: batch.pixels)
        let tol = Tolerance(absolute: 1e-12, relative: 1e-10)
        Self.expectMatch(c.expected["text_embeds"]!, JSONValue(text), tol, "text embeddings")
        Self.expectMatch(c.expected["image_embeds"]!, JSONValue(image), tol, "image embeddings")
        #expect(throws: InputError.self) { try model.textEmbeddings(tokens: [[1, 5, 6]]) }   // no eos (3)
    }

    @Test("the tiny preset refuses eos id 2 (transformers' legacy pooling) and builds otherwise")
    func tinyPreset() throws {
        #expect(throws: InputError.self) { try CLIPConfiguration.tiny(vocabularySize: 40, eosTokenID: 2, padTokenID: 0, bosTokenID: 1) }
        let c = try CLIPConfiguration.tiny(vocabularySize: 40, eosTokenID: 39, padTokenID: 0, bosTokenID: 1)
        var generator = SeededGenerator(seed: 3)
        let model = try CLIPModel<Float>(configuration: c, using: &generator)
        #expect(model.logitScale.value.elements == [Float(2.6592)])
        #expect(model.namedParameters.count == 4 + 2 * 16 + 7 + 2 * 16 + 3)
        var clamped = model
        clamped.logitScale.value.elements[0] = 5
        clamped.clampLogitScale(to: 0...log(100))
        #expect(clamped.logitScale.value.elements[0] == Float(log(100.0)))
    }
}
