import Foundation
import Models
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/Model.md: every golden case of every layer and of the whole micro model (values in Double
/// and Float, analytic gradients against transformers/PEFT autograd and against central
/// differences), plus LoRA merge, the reference model and the model's typed errors.
@Suite("Model")
struct ModelTests {
    @Test("golden case", arguments: try Golden.cases("Model"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: ModelEvaluator())
    }

    /// A small random model (seeded) with adapters on every projection and nonzero B.
    static func microModel(seed: UInt64 = 7) throws -> VisionLanguageModel<Double> {
        var v = VisionConfiguration(hiddenSize: 8, intermediateSize: 12, layers: 2, heads: 2, imageSize: 8, patchSize: 4)
        v.activation = .quickGelu
        let t = TextConfiguration(vocabularySize: 20, hiddenSize: 8, intermediateSize: 12, layers: 2, heads: 2, keyValueHeads: 1)
        var g = SeededGenerator(seed: seed)
        var model = try VisionLanguageModel<Double>(configuration: ModelConfiguration(vision: v, text: t, imageTokenID: 19), using: &g)
        try model.addAdapters(rank: 2, alpha: 4, dropout: 0, targets: ["q_proj", "v_proj", "down_proj"], using: &g)
        for (_, path) in ParameterNames.adapters(model) {
            for i in model[keyPath: path].value.elements.indices { model[keyPath: path].value.elements[i] = 0.3 * g.nextNormal() }
        }
        return model
    }

    static func microBatch(images: Bool = true) -> ModelBatch<Double> {
        var g = SeededGenerator(seed: 3)
        var pixels = Tensor<Double>(shape: [2, 3, 8, 8])
        for i in pixels.elements.indices { pixels.elements[i] = g.nextNormal() }
        let image = images ? [19, 19, 19, 19] : [5, 6, 7, 8]
        return ModelBatch(tokens: [[1] + image + [4, 9, 3, 2], [1] + image + [7, 2, 0, 0]],
                          attentionMask: [Array(repeating: true, count: 9), Array(repeating: true, count: 7) + [false, false]],
                          pixels: images ? pixels : nil)
    }

    @Test("merging the adapters leaves the logits unchanged; unmerging restores the weights")
    func mergeAndUnmerge() throws {
        var model = try Self.microModel()
        var context = ForwardContext.evaluation
        let before = try model.forward(Self.microBatch(), context: &context).logits
        let weights = model.decoderLayers[0].attention.query.weight.value
        for i in model.decoderLayers.indices {
            for (_, path) in ParameterNames.decoderProjections(Double.self, layer: i) { model[keyPath: path].mergeAdapter() }
        }
        let merged = try model.forward(Self.microBatch(), context: &context).logits
        let report = compare(expected: JSONValue(before), actual: JSONValue(merged), tolerance: Tolerance(absolute: 1e-12, relative: 1e-10), path: "logits")
        #expect(report.passed, "\(report)")
        #expect(model.decoderLayers[0].attention.query.weight.value != weights)
        for i in model.decoderLayers.indices {
            for (_, path) in ParameterNames.decoderProjections(Double.self, layer: i) { model[keyPath: path].unmergeAdapter() }
        }
        let restored = compare(expected: JSONValue(weights), actual: JSONValue(model.decoderLayers[0].attention.query.weight.value),
                               tolerance: Tolerance(absolute: 1e-15, relative: 1e-14), path: "q_proj")
        #expect(restored.passed, "\(restored)")
    }

    @Test("disabled adapters give the base model: the same logits as a model without adapters")
    func referenceModel() throws {
        var model = try Self.microModel()
        var base = model
        for i in base.decoderLayers.indices {
            for (_, path) in ParameterNames.decoderProjections(Double.self, layer: i) { base[keyPath: path].lora = nil }
        }
        var context = ForwardContext.evaluation
        let withAdapters = try model.forward(Self.microBatch(), context: &context).logits
        model.setAdaptersEnabled(false)
        let reference = try model.forward(Self.microBatch(), context: &context).logits
        let expected = try base.forward(Self.microBatch(), context: &context).logits
        #expect(reference == expected)
        #expect(withAdapters != expected)
    }

    @Test("LoRA dropout is inverted dropout drawn from the context's seed, absent in evaluation")
    func loraDropout() throws {
        var model = try Self.microModel()
        for i in model.decoderLayers.indices { model.decoderLayers[i].attention.query.lora?.dropout = 0.5 }
        var evaluation = ForwardContext.evaluation
        let a = try model.forward(Self.microBatch(), context: &evaluation).logits
        let b = try model.forward(Self.microBatch(), context: &evaluation).logits
        #expect(a == b)
        var train1 = ForwardContext(training: true, generator: SeededGenerator(seed: 9))
        var train2 = ForwardContext(training: true, generator: SeededGenerator(seed: 9))
        let c = try model.forward(Self.microBatch(), context: &train1).logits
        let d = try model.forward(Self.microBatch(), context: &train2).logits
        #expect(c == d)
        #expect(c != a)
    }

    @Test("bad batches are typed errors naming the problem", arguments: [
        ("id outside the vocabulary", "out_of_range"), ("too long", "out_of_range"), ("image count", "invalid_argument"),
        ("image size", "shape_mismatch"), ("ragged", "shape_mismatch"),
    ])
    func badBatches(_ problem: String, _ kind: String) throws {
        let model = try Self.microModel()
        var batch = Self.microBatch()
        switch problem {
        case "id outside the vocabulary": batch.tokens[0][6] = 20
        case "too long":
            batch.tokens = [Array(repeating: 3, count: 2049)]
            batch.attentionMask = [Array(repeating: true, count: 2049)]
            batch.positions = [Array(0..<2049)]
            batch.pixels = nil
        case "image count": batch.tokens[1][1] = 5
        case "image size": batch.pixels = Tensor(shape: [2, 3, 9, 9])
        default: batch.tokens[1].removeLast()
        }
        var context = ForwardContext.evaluation
        #expect { try model.forward(batch, context: &context) } throws: { ($0 as? InputError)?.kind == kind }
    }

    @Test("PNG files read with libpng give the same pixel values as the image in memory; the wrong size is a typed error")
    func pngPixelValues() throws {
        var g = SeededGenerator(seed: 8)
        let image = try PNGImage(width: 8, height: 8, channels: 3, pixels: (0..<192).map { _ in UInt8(g.nextInt(below: 256)) })
        let path = NSTemporaryDirectory() + "rlref-image-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try image.write(to: path)
        let fromFile: Tensor<Double> = try ImagePreprocessing.pixelValues(contentsOf: [path, path], size: 8)
        let inMemory: Tensor<Double> = try ImagePreprocessing.pixelValues(image, size: 8)
        #expect(fromFile.shape == [2, 3, 8, 8])
        #expect(Array(fromFile.elements.prefix(192)) == inMemory.elements)
        #expect { let _: Tensor<Double> = try ImagePreprocessing.pixelValues(contentsOf: [path], size: 16) } throws: {
            ($0 as? InputError)?.kind == "shape_mismatch"
        }
    }

    @Test("gradients of a frozen model are not allocated; trainable selections by name")
    func trainableSelection() throws {
        var model = try Self.microModel()
        model.setTrainable { $0.contains("lora_") }
        #expect(!model.tokenEmbedding.weight.isTrainable)
        #expect(model.tokenEmbedding.weight.gradient.count == 0)
        #expect(model.decoderLayers[0].attention.query.lora!.a.isTrainable)
        var context = ForwardContext.evaluation
        let scores = try model.score(Self.microBatch(), context: &context)
        try model.backward(scores, logProbsGradient: Tensor(shape: scores.logProbs.shape, repeating: 1), entropyGradient: nil)
        #expect(model.decoderLayers[1].attention.query.lora!.b.gradient.elements.contains { $0 != 0 })
        #expect(model.decoderLayers[1].attention.key.lora == nil)
    }
}
