import ArgumentParser
import Foundation
import Models
import Tensor
import Verification

/// `rlref model init-clip`: a freshly initialised CLIPModel folder in Hugging Face's layout (Specs/CLIP.md,
/// "Files"), with what RLRef computes on a fixed sample batch (`rlref_outputs.json`) so that another
/// implementation can load the folder and compare.
struct CLIPInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-clip",
        abstract: "Write a seeded, freshly initialised CLIP model folder (config.json, model.safetensors) plus rlref_outputs.json.")

    @Option(name: .long, help: "Output folder (created; existing files are replaced atomically).")
    var out: String

    @Option(name: .long, help: "Configuration: micro (the golden files' model) or tiny (the reward model's default, 512 ids, eos 511).")
    var preset = "micro"

    @Option(name: .long, help: "Seed of the initialisation and of the sample batch.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Weight dtype on disk: f32 or f64.")
    var dtype = "f32"

    func run() throws {
        guard let fileType = Safetensors.DType(rawValue: dtype.uppercased()) else {
            throw CLIError("--dtype: \(dtype.sanitizedForMessage()) is not f32 or f64")
        }
        do {
            let configuration: CLIPConfiguration
            switch preset {
            case "micro": configuration = .micro
            case "tiny": configuration = try .tiny(vocabularySize: 512, eosTokenID: 511, padTokenID: 0, bosTokenID: 1)
            default: throw CLIError("--preset: unknown configuration \(preset.sanitizedForMessage()); use micro or tiny")
            }
            var generator = SeededGenerator(seed: seed)
            var model = try CLIPModel<Double>(configuration: configuration, using: &generator)
            if fileType == .f32 {
                // What is saved is what is scored: round the weights to Float first.
                for (_, path) in model.namedParameters {
                    model[keyPath: path].value = model[keyPath: path].value.converted(to: Float.self).converted(to: Double.self)
                }
            }
            try ModelFolder.save(model, to: out, dtype: fileType)
            let batch = Self.sampleBatch(configuration, generator: &generator)
            var context = ForwardContext.evaluation
            let pass = try model.forward(batch, requiringPairs: true, context: &context)
            let record = JSONObject([
                ("input_ids", .array(batch.tokens.map { .array($0.map { .number(Double($0)) }) })),
                ("attention_mask", .array(batch.attentionMask.map { .array($0.map { .number($0 ? 1 : 0) }) })),
                ("pixel_values", JSONValue(batch.pixels)),
                ("text_embeds", JSONValue(pass.similarity.textEmbeddings)), ("image_embeds", JSONValue(pass.similarity.imageEmbeddings)),
                ("logits_per_image", JSONValue(pass.similarity.logitsPerImage)), ("loss", .number(pass.loss!)),
            ])
            try AtomicFile.write(Data(JSONValue.object(record).serialized().utf8), to: (out as NSString).appendingPathComponent("rlref_outputs.json"))
            print("wrote \(out.sanitizedForMessage(quoted: false)): \(model.namedParameters.count) tensors, \(batch.texts) text–image pairs")
        } catch let error as InputError {
            throw CLIError(error.description)
        }
    }

    /// Three right-padded captions (BOS, random ids other than pad and eos, eos) of lengths 5, 3 and 6
    /// (capped by the position table), and three random normalised images.
    static func sampleBatch(_ c: CLIPConfiguration, generator: inout SeededGenerator) -> CLIPBatch<Double> {
        let t = c.text
        let lengths = [5, 3, 6].map { min($0, t.maxPositions) }
        let rows = lengths.map { n in
            [t.bosTokenID] + (0..<max(n - 2, 0)).map { _ in
                var id = generator.nextInt(below: t.vocabularySize)
                while id == t.eosTokenID || id == t.padTokenID || id == t.bosTokenID { id = generator.nextInt(below: t.vocabularySize) }
                return id
            } + [t.eosTokenID]
        }
        let length = rows.map(\.count).max()!
        let pad = t.padTokenID ?? t.eosTokenID
        let v = c.vision
        var pixels = Tensor<Double>(shape: [rows.count, v.channels, v.imageSize, v.imageSize])
        for i in pixels.elements.indices { pixels.elements[i] = generator.nextNormal() }
        return CLIPBatch(tokens: rows.map { $0 + Array(repeating: pad, count: length - $0.count) },
                         attentionMask: rows.map { Array(repeating: true, count: $0.count) + Array(repeating: false, count: length - $0.count) },
                         pixels: pixels)
    }
}
