import Foundation
import Models
import RLAlgorithms
import Tensor
import TestSupport
import Testing
import Training
import Verification

/// Checkpoints (README, "Checkpoints"): a run resumed from a checkpoint continues bit for bit like the
/// uninterrupted run; truncated, corrupted, foreign and mismatched checkpoints are typed errors.
@Suite("Checkpoints")
struct CheckpointTests {
    static func optimizer() -> ParameterGroupOptimizer<Float> {
        ParameterGroupOptimizer(adam: AdamConfiguration(algorithm: .adamw),
                                groups: [ParameterGroup(name: "value_head", learningRate: 1e-3, weightDecay: 0) { $0.hasPrefix("value_head.") },
                                         ParameterGroup(name: "policy", learningRate: 5e-3, weightDecay: 0.01) { _ in true }],
                                maxGradientNorm: 0.5)
    }

    /// A micro model with LoRA (dropout 0.05, so every step consumes random numbers) and a value head.
    static func initialState() throws -> TrainingState<Float> {
        var g = SeededGenerator(seed: 11)
        var model = try VisionLanguageModel<Float>(configuration: .micro, using: &g)
        try model.addAdapters(rank: 4, alpha: 8, dropout: 0.05, targets: Set(LoRASettings.seed000.targets), using: &g)
        model.valueHead = ValueHead(inputWidth: model.configuration.text.hiddenSize, hiddenWidths: [16, 16], activation: .relu, using: &g)
        model.setTrainable { $0.contains("lora_") || $0.hasPrefix("value_head.") }
        let tokenizer = try WordLevelTokenizer(corpus: ["what colour is the circle ? red", "how many squares ? two"])
        return TrainingState(model: model, optimizer: optimizer(), tokenizer: tokenizer,
                             generators: ["dropout": SeededGenerator(seed: 5), "data": SeededGenerator(seed: 6)],
                             configuration: .object(JSONObject([("recipe", .string("test")), ("seed", .number(11))])), step: 0)
    }

    /// One step: a batch drawn from the "data" stream, dropout from the "dropout" stream.
    static func step(_ state: inout TrainingState<Float>) throws {
        var data = state.generators["data"]!
        let rows = (0..<2).map { _ in [1] + Array(repeating: 31, count: 4) + (0..<5).map { _ in 5 + data.nextInt(below: 20) } }
        var pixels = Tensor<Float>(shape: [2, 3, 8, 8])
        for i in pixels.elements.indices { pixels.elements[i] = Float(data.nextNormal()) }
        state.generators["data"] = data
        var context = ForwardContext(training: true, generator: state.generators["dropout"]!)
        _ = try supervisedStep(&state.model, optimizer: &state.optimizer, batch: ModelBatch(tokens: rows, pixels: pixels), context: &context)
        state.generators["dropout"] = context.generator
        state.step += 1
    }

    static func folder() -> String { NSTemporaryDirectory() + "rlref-checkpoint-\(UUID().uuidString)" }

    @Test("a run resumed from a checkpoint continues bit for bit like the uninterrupted run")
    func resumeIsExact() throws {
        var straight = try Self.initialState()
        for _ in 0..<6 { try Self.step(&straight) }

        var first = try Self.initialState()
        for _ in 0..<3 { try Self.step(&first) }
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Checkpoint.save(first, to: dir + "/checkpoint-3")
        var resumed = try Checkpoint.load(dir + "/checkpoint-3", optimizer: Self.optimizer())
        #expect(resumed.step == 3)
        #expect(resumed.tokenizer == first.tokenizer)
        #expect(resumed.configuration == first.configuration)
        for _ in 0..<3 { try Self.step(&resumed) }

        #expect(resumed.step == straight.step)
        for ((name, p1), (_, p2)) in zip(ParameterNames.all(straight.model), ParameterNames.all(resumed.model)) {
            #expect(straight.model[keyPath: p1].value == resumed.model[keyPath: p2].value, "\(name) differs after resuming")
        }
        #expect(resumed.generators == straight.generators)
        #expect(resumed.optimizer.states.keys.sorted() == straight.optimizer.states.keys.sorted())
        for (name, s) in straight.optimizer.states { #expect(resumed.optimizer.states[name] == s, "\(name) moments") }
    }

    @Test("truncated, corrupted, extra-file and foreign checkpoints are typed errors; an interrupted save leaves the old one")
    func damagedCheckpoints() throws {
        let state = try Self.initialState()
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/checkpoint"
        try Checkpoint.save(state, to: good)
        func damaged(_ damage: (String) throws -> Void) throws -> String {
            let copy = dir + "/damaged-\(UUID().uuidString)"
            try FileManager.default.copyItem(atPath: good, toPath: copy)
            try damage(copy)
            return copy
        }
        let truncated = try damaged { folder in
            let path = folder + "/model.safetensors"
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        }
        let corrupted = try damaged { folder in
            let path = folder + "/optimizer.safetensors"
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[bytes.count - 1] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        let missing = try damaged { try FileManager.default.removeItem(atPath: $0 + "/trainer_state.json") }
        let extra = try damaged { try Data("x".utf8).write(to: URL(fileURLWithPath: $0 + "/stray.bin")) }
        let foreign = try damaged { try FileManager.default.removeItem(atPath: $0 + "/manifest.json") }
        for folder in [truncated, corrupted, missing, extra, foreign] {
            #expect { try Checkpoint.load(folder, optimizer: Self.optimizer()) } throws: { ($0 as? InputError)?.kind == "invalid_argument" }
        }
        #expect { let _: TrainingState<Double> = try Checkpoint.load(good, optimizer: ParameterGroupOptimizer<Double>(adam: AdamConfiguration(), groups: [])) }
            throws: { ($0 as? InputError)?.kind == "invalid_argument" }
        // A leftover temporary folder of an interrupted save does not disturb the checkpoint beside it.
        try FileManager.default.createDirectory(atPath: dir + "/.checkpoint.tmp-999", withIntermediateDirectories: true)
        let loaded = try Checkpoint.load(good, optimizer: Self.optimizer())
        #expect(loaded.step == 0)
        // The trainable selection survives a checkpoint taken before the first optimiser step.
        #expect(ParameterNames.all(loaded.model).filter { loaded.model[keyPath: $0.1].isTrainable }.map(\.0)
                == ParameterNames.all(state.model).filter { state.model[keyPath: $0.1].isTrainable }.map(\.0))
    }
}
