import ArgumentParser
import Foundation
import Generation
import Models
import RLAlgorithms
import Tensor
import Training
import Verification

/// `rlref bench`: training-step and generation throughput of the model runner, the achieved GFLOP/s
/// against this machine's sgemm rate, and peak memory (README, "Benchmarks"). Build with `-c release`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure training and generation throughput (run a release build: swift run -c release rlref bench).")

    @Option(name: .long, help: "Write the results as JSON to this file.")
    var json: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Thread counts to measure (each ≥ 1).")
    var threads: [Int] = [1, 2]

    @Option(name: .long, help: "Comma-separated configurations: small, medium, vlm.")
    var configs = "small,medium,vlm"

    @Option(name: .long, help: "Minimum seconds per measurement.")
    var seconds = 2.0

    func run() throws {
        guard threads.allSatisfy({ $0 >= 1 }) else { throw CLIError("--threads: every thread count must be at least 1") }
        guard seconds > 0, seconds.isFinite else { throw CLIError("--seconds: must be a positive number") }
        let names = configs.split(separator: ",").map(String.init)
        for name in names where BenchConfiguration.named(name) == nil {
            throw CLIError("--configs: unknown configuration \(name.sanitizedForMessage()); use small, medium or vlm")
        }
        var rows: [JSONValue] = []
        for n in threads {
            BLASThreads.count = n
            let sgemm = Self.sgemmRate(seconds: min(seconds, 1))
            for name in names {
                let c = BenchConfiguration.named(name)!
                let train = try Self.trainingRate(c, seconds: seconds)
                let generation = try Self.generationRate(c, seconds: seconds)
                let gflops = train * c.trainingFLOPsPerToken / 1e9
                let rss = Self.peakResidentMiB()
                print(String(format: "%-7@ threads %d  train %9.0f tok/s  %6.1f GFLOP/s (%4.1f%% of sgemm %6.1f)  generate %8.0f new tok/s  peak RSS %6.0f MiB",
                             name as NSString, n, train, gflops, 100 * gflops / sgemm, sgemm, generation, rss))
                rows.append(.object(JSONObject([
                    ("config", .string(name)), ("threads", .number(Double(n))), ("train_tokens_per_s", .number(train)),
                    ("train_gflops_per_s", .number(gflops)), ("sgemm_gflops_per_s", .number(sgemm)),
                    ("generate_new_tokens_per_s", .number(generation)), ("peak_rss_mib", .number(rss)),
                ])))
            }
        }
        if let json {
            let machine = JSONObject([("cores", .number(Double(ProcessInfo.processInfo.activeProcessorCount))),
                                      ("os", .string(ProcessInfo.processInfo.operatingSystemVersionString))])
            let doc = JSONValue.object(JSONObject([("machine", .object(machine)), ("results", .array(rows))]))
            try AtomicFile.write(Data(doc.serialized(indent: 1).utf8), to: json)
        }
    }

    /// Runs `body` until `seconds` have passed (at least twice after one warm-up call); returns calls per second.
    static func rate(seconds: Double, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var calls = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            try body()
            calls += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds || calls < 2
        return Double(calls) / elapsed
    }

    static func sgemmRate(seconds: Double) -> Double {
        let n = 512
        let a = [Float](repeating: 0.5, count: n * n), b = a
        var c = [Float](repeating: 0, count: n * n)
        let perSecond = rate(seconds: seconds) {
            Float.gemm(transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n, beta: 0, c: &c, ldc: n)
        }
        return perSecond * 2 * Double(n * n * n) / 1e9
    }

    /// Tokens per second of forward + cross-entropy + backward + AdamW, full fine-tuning, text only.
    static func trainingRate(_ c: BenchConfiguration, seconds: Double) throws -> Double {
        var g = SeededGenerator(seed: 1)
        var model = try VisionLanguageModel<Float>(configuration: c.model, using: &g)
        model.setTrainable { c.withImages || $0.hasPrefix("language_model.") }
        var optimizer = ParameterGroupOptimizer<Float>(
            adam: AdamConfiguration(algorithm: .adamw), groups: [ParameterGroup(name: "all", learningRate: 1e-4, weightDecay: 0.01) { _ in true }])
        let batch = c.batch(length: c.context, rows: c.batch, using: &g)
        var context = ForwardContext.evaluation
        let steps = try rate(seconds: seconds) {
            _ = try supervisedStep(&model, optimizer: &optimizer, batch: batch, context: &context)
        }
        return steps * Double(c.batch * c.context)
    }

    /// New tokens per second: batch 16, a 16-token prompt, 48 new tokens, sampling at temperature 1.
    static func generationRate(_ c: BenchConfiguration, seconds: Double) throws -> Double {
        var g = SeededGenerator(seed: 2)
        let model = try VisionLanguageModel<Float>(configuration: c.model, using: &g)
        let prompt = c.batch(length: 16 + (c.withImages ? c.model.imageTokensPerImage : 0), rows: 16, using: &g)
        var options = DecodingOptions(maxNewTokens: 48, eosTokenID: nil)
        options.sampling = .init(temperature: 1)
        let calls = try rate(seconds: seconds) {
            var (decoder, logits) = try IncrementalDecoder.prefill(model, prompt: prompt, maxNewTokens: 48)
            _ = try generate(&decoder, prompt: prompt.tokens, logits: logits.converted(to: Double.self), options: options, generator: &g)
        }
        return calls * 16 * 48
    }

    static func peakResidentMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}

/// A benchmark configuration: a model (for `small` and `medium` decoder-only: untied head, RoPE θ 10000,
/// RMSNorm ε 1e-6, the vision tower present but unused and frozen; for `vlm` the recipes' model with one
/// image per row, whose image tokens count towards the context), a context length and a batch size.
struct BenchConfiguration {
    var model: ModelConfiguration
    var context: Int
    var batch: Int
    var withImages = false

    /// Random rows of `length` tokens (ids ≥ 3, never the image token), each starting with one image's
    /// tokens and carrying a random image when the configuration has images.
    func batch(length: Int, rows: Int, using g: inout SeededGenerator) -> ModelBatch<Float> {
        let imageTokens = withImages ? model.imageTokensPerImage : 0
        let tokens = (0..<rows).map { _ in
            Array(repeating: model.imageTokenID, count: imageTokens) + (imageTokens..<length).map { _ in
                var id = 3 + g.nextInt(below: model.text.vocabularySize - 3)
                while id == model.imageTokenID { id = 3 + g.nextInt(below: model.text.vocabularySize - 3) }
                return id
            }
        }
        guard withImages else { return ModelBatch(tokens: tokens) }
        let v = model.vision
        var pixels = Tensor<Float>(shape: [rows, v.channels, v.imageSize, v.imageSize])
        for i in pixels.elements.indices { pixels.elements[i] = Float(g.nextNormal()) }
        return ModelBatch(tokens: tokens, pixels: pixels)
    }

    static func named(_ name: String) -> BenchConfiguration? {
        func decoder(vocabulary: Int, hidden: Int, layers: Int, heads: Int, intermediate: Int, context: Int) -> ModelConfiguration {
            var v = VisionConfiguration(hiddenSize: 8, intermediateSize: 8, layers: 0, heads: 1, imageSize: 8, patchSize: 8)
            v.projectionDimension = 8
            var t = TextConfiguration(vocabularySize: vocabulary, hiddenSize: hidden, intermediateSize: intermediate, layers: layers,
                                      heads: heads, keyValueHeads: heads)
            t.maxPositions = context
            var c = ModelConfiguration(vision: v, text: t, imageTokenID: vocabulary - 1)
            c.visionFeatureLayer = 0
            return c
        }
        switch name {
        case "small": return BenchConfiguration(model: decoder(vocabulary: 64, hidden: 128, layers: 4, heads: 4, intermediate: 512, context: 64), context: 64, batch: 16)
        case "medium": return BenchConfiguration(model: decoder(vocabulary: 64, hidden: 256, layers: 6, heads: 8, intermediate: 1024, context: 128), context: 128, batch: 16)
        case "vlm":
            var m = ModelConfiguration.vlm(vocabularySize: 512, imageTokenID: 4)
            m.text.maxPositions = 128
            return BenchConfiguration(model: m, context: 128, batch: 16, withImages: true)
        default: return nil
        }
    }

    /// FLOPs of one training step per token, decoder only (the PyTorch peer uses the same count; for `vlm`
    /// the vision tower's and projector's work comes on top and is not counted): forward =
    /// 2·B·T·(L·(4·D² + 3·D·I) + D·V) + 4·B·L·T²·D, a step = 3·forward.
    var trainingFLOPsPerToken: Double {
        let t = model.text
        let (d, i, l, v, n) = (Double(t.hiddenSize), Double(t.intermediateSize), Double(t.layers), Double(t.vocabularySize), Double(context))
        let forwardPerToken = 2 * (l * (4 * d * d + 3 * d * i) + d * v) + 4 * l * n * d
        return 3 * forwardPerToken
    }
}
