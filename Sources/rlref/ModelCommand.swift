import ArgumentParser
import Foundation
import Models
import Tensor
import Verification

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Create LLaVA-layout (Specs/Model.md) and CLIP (Specs/CLIP.md) model folders.",
        subcommands: [ModelInitCommand.self, CLIPInitCommand.self])
}

/// `rlref model init`: a freshly initialised model folder in Hugging Face's layout, with the logits
/// RLRef computes on a fixed sample batch (`rlref_logits.json`) so that another implementation can
/// load the folder and compare.
struct ModelInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a seeded, freshly initialised model folder (config.json, model.safetensors, optional LoRA adapter and value head) plus rlref_logits.json.")

    @Option(name: .long, help: "Output folder (created; existing files are replaced atomically).")
    var out: String

    @Option(name: .long, help: "Configuration: micro (the golden files' model) or vlm (the recipes' default).")
    var preset = "micro"

    @Option(name: .long, help: "Seed of the initialisation and of the sample batch.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "LoRA rank on the decoder's projections (0: no adapter).")
    var loraRank = 0

    @Option(name: .long, help: "LoRA alpha.")
    var loraAlpha = 32.0

    @Flag(name: .long, help: "Add seed 000's three-layer value head.")
    var valueHead = false

    @Option(name: .long, help: "Weight dtype on disk: f32 or f64.")
    var dtype = "f32"

    func run() throws {
        let configuration: ModelConfiguration
        switch preset {
        case "micro": configuration = .micro
        case "vlm": configuration = .vlm(vocabularySize: 512, imageTokenID: 4)
        default: throw CLIError("--preset: unknown configuration \(preset.sanitizedForMessage()); use micro or vlm")
        }
        guard let fileType = Safetensors.DType(rawValue: dtype.uppercased()) else {
            throw CLIError("--dtype: \(dtype.sanitizedForMessage()) is not f32 or f64")
        }
        guard loraRank >= 0 else { throw CLIError("--lora-rank: must be 0 or more") }
        do {
            var generator = SeededGenerator(seed: seed)
            var model = try VisionLanguageModel<Double>(configuration: configuration, using: &generator)
            if loraRank > 0 {
                try model.addAdapters(rank: loraRank, alpha: loraAlpha, dropout: 0.05, targets: Set(LoRASettings.seed000.targets),
                                      using: &generator)
                // A fresh adapter has B = 0; give it a small random B so the exported adapter changes the logits.
                for (name, path) in ParameterNames.adapters(model) where name.hasSuffix("lora_B.weight") {
                    for i in model[keyPath: path].value.elements.indices { model[keyPath: path].value.elements[i] = 0.02 * generator.nextNormal() }
                }
            }
            if valueHead {
                let d = configuration.text.hiddenSize
                model.valueHead = ValueHead(inputWidth: d, hiddenWidths: [d, d], activation: .relu, using: &generator)
            }
            if fileType == .f32 {
                // What is saved is what is scored: round the weights to Float first.
                for (_, path) in ParameterNames.all(model) {
                    model[keyPath: path].value = model[keyPath: path].value.converted(to: Float.self).converted(to: Double.self)
                }
            }
            try ModelFolder.save(model, to: out, dtype: fileType)
            let batch = SampleBatch.make(configuration, generator: &generator)
            var context = ForwardContext.evaluation
            let scores = try model.score(batch, mask: Tensor(shape: [batch.rows, batch.length - 1], repeating: 1), context: &context)
            var record = JSONObject([
                ("input_ids", .array(batch.tokens.map { .array($0.map { .number(Double($0)) }) })),
                ("attention_mask", .array(batch.attentionMask.map { .array($0.map { .number($0 ? 1 : 0) }) })),
                ("pixel_values", JSONValue(batch.pixels!)), ("logits", JSONValue(scores.pass.logits)),
            ])
            if let values = scores.values {
                record["values"] = JSONValue(values)
                record["value_head_function"] = .string("relu")
            }
            try AtomicFile.write(Data(JSONValue.object(record).serialized().utf8), to: (out as NSString).appendingPathComponent("rlref_logits.json"))
            print("wrote \(out.sanitizedForMessage(quoted: false)): \(ParameterNames.all(model).count) tensors, \(batch.rows)×\(batch.length) sample batch")
        } catch let error as InputError {
            throw CLIError(error.description)
        }
    }
}

/// A deterministic batch for a configuration: two right-padded rows, each BOS, one image's tokens,
/// random text tokens, and random normalised pixels.
enum SampleBatch {
    static func make(_ c: ModelConfiguration, generator: inout SeededGenerator) -> ModelBatch<Double> {
        let image = Array(repeating: c.imageTokenID, count: c.imageTokensPerImage)
        func text(_ n: Int) -> [Int] {
            (0..<n).map { _ in
                var id = generator.nextInt(below: c.text.vocabularySize)
                while id == c.imageTokenID { id = generator.nextInt(below: c.text.vocabularySize) }
                return id
            }
        }
        let rows = [[c.text.bosTokenID] + image + text(6), [c.text.bosTokenID] + image + text(4)]
        let length = rows.map(\.count).max()!
        let tokens = rows.map { $0 + Array(repeating: 0, count: length - $0.count) }
        let mask = rows.map { Array(repeating: true, count: $0.count) + Array(repeating: false, count: length - $0.count) }
        let v = c.vision
        var pixels = Tensor<Double>(shape: [2, v.channels, v.imageSize, v.imageSize])
        for i in pixels.elements.indices { pixels.elements[i] = generator.nextNormal() }
        return ModelBatch(tokens: tokens, attentionMask: mask, pixels: pixels)
    }
}
