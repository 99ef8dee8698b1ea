import Models
import RLAlgorithms
import Tensor
import Testing
import Training

/// Specs/Model.md, "Memory": after a warm-up step, a training step at a fixed batch shape takes every
/// activation, cache and gradient temporary from the model's pool without allocating, and updates the
/// gradients, parameters and Adam moments in place; reuse never changes a number.
@Suite("Activation reuse")
struct ActivationReuseTests {
    /// The micro model with LoRA adapters, every parameter trainable.
    static func model() throws -> VisionLanguageModel<Float> {
        var g = SeededGenerator(seed: 11)
        var model = try VisionLanguageModel<Float>(configuration: .micro, using: &g)
        try model.addAdapters(rank: 2, alpha: 4, dropout: 0, targets: ["q_proj", "v_proj", "down_proj"], using: &g)
        model.setTrainable { _ in true }
        return model
    }

    static func optimizer() -> ParameterGroupOptimizer<Float> {
        ParameterGroupOptimizer(adam: AdamConfiguration(algorithm: .adamw),
                                groups: [ParameterGroup(name: "all", learningRate: 1e-2, weightDecay: 0.01) { _ in true }],
                                maxGradientNorm: 1)
    }

    /// `rows` rows of `length` tokens, each starting with one image's 4 tokens, the last row padded by 2.
    static func batch(rows: Int, length: Int, seed: UInt64) -> ModelBatch<Float> {
        var g = SeededGenerator(seed: seed)
        let c = ModelConfiguration.micro
        let tokens = (0..<rows).map { _ in
            Array(repeating: c.imageTokenID, count: c.imageTokensPerImage)
                + (c.imageTokensPerImage..<length).map { _ in g.nextInt(below: c.imageTokenID) }
        }
        let mask = (0..<rows).map { b in (0..<length).map { t in b < rows - 1 || t < length - 2 } }
        var pixels = Tensor<Float>(shape: [rows, 3, 8, 8])
        for i in pixels.elements.indices { pixels.elements[i] = Float(g.nextNormal()) }
        return ModelBatch(tokens: tokens, attentionMask: mask, pixels: pixels)
    }

    /// The address of every trainable parameter's value and gradient storage.
    static func storageAddresses(_ model: VisionLanguageModel<Float>) -> [Int] {
        model.namedParameters.filter { model[keyPath: $0.1].isTrainable }.flatMap { _, path in
            [model[keyPath: path].value, model[keyPath: path].gradient].map { t in
                t.elements.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
            }
        }
    }

    @Test("after a warm-up step, steps at a fixed shape allocate no pool buffer and update parameters in place")
    func fixedShapeReusesStorage() throws {
        var model = try Self.model()
        var optimizer = Self.optimizer()
        var context = ForwardContext.evaluation
        let batch = Self.batch(rows: 3, length: 10, seed: 1)
        _ = try supervisedStep(&model, optimizer: &optimizer, batch: batch, context: &context)
        let allocations = model.pool.allocationCount
        let addresses = Self.storageAddresses(model)
        #expect(allocations > 0)
        for _ in 0..<3 {
            _ = try supervisedStep(&model, optimizer: &optimizer, batch: batch, context: &context)
            #expect(model.pool.allocationCount == allocations)
            #expect(Self.storageAddresses(model) == addresses)
        }
    }

    @Test("steps of changing batch shapes give exactly the numbers of a model with a fresh pool")
    func reuseLeaksNoValues() throws {
        var model = try Self.model()
        var optimizer = Self.optimizer()
        let shapes = [(3, 10), (1, 7), (2, 10), (3, 10), (3, 10)]
        for (index, (rows, length)) in shapes.enumerated() {
            let batch = Self.batch(rows: rows, length: length, seed: UInt64(index))
            var fresh = try Self.model()   // its own, empty pool
            for (_, path) in model.namedParameters { fresh[keyPath: path].value = model[keyPath: path].value }
            var freshOptimizer = optimizer
            var context = ForwardContext.evaluation, freshContext = ForwardContext.evaluation
            let loss = try supervisedStep(&model, optimizer: &optimizer, batch: batch, context: &context)
            let freshLoss = try supervisedStep(&fresh, optimizer: &freshOptimizer, batch: batch, context: &freshContext)
            #expect(loss == freshLoss, "step \(index)")
            for (name, path) in model.namedParameters {
                #expect(model[keyPath: path].gradient == fresh[keyPath: path].gradient, "step \(index): gradient of \(name)")
                #expect(model[keyPath: path].value == fresh[keyPath: path].value, "step \(index): \(name)")
            }
            #expect(optimizer.states == freshOptimizer.states, "step \(index): Adam moments")
        }
    }
}
