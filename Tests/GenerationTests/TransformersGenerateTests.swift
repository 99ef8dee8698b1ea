import Foundation
import Generation
import Models
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/Generation.md Generation-7, Generation-8 and the key/value cache on the micro LLaVA model that transformers saved:
/// greedy decoding (plain, and with min_new_tokens and no_repeat_ngram_size) and beam search with the
/// key/value cache give exactly the tokens transformers' `generate` gives, and the log-probabilities
/// and beam scores of its float64 recomputation (GoldenData/Generation/transformers/micro-full.json).
@Suite("Generation against transformers")
struct TransformersGenerateTests {
    struct Reference {
        var model: VisionLanguageModel<Double>
        var prompt: ModelBatch<Double>
        var runs: JSONObject

        init() throws {
            let path = (Golden.library.directory as NSString).appendingPathComponent("Generation/transformers/micro-full.json")
            guard case .object(let root) = try JSONValue(contentsOf: path), case .object(let inputs)? = root["inputs"],
                  case .object(let runs)? = root["runs"] else { throw InputError.invalidArgument(argument: path, reason: "malformed") }
            model = try ModelFolder.load(try TransformersReference("micro-full").folder, as: Double.self)
            let ids = try JSONValue.tensor(from: inputs["input_ids"]!, argument: "input_ids", as: Double.self)
            let mask = try JSONValue.tensor(from: inputs["attention_mask"]!, argument: "attention_mask", as: Double.self)
            prompt = ModelBatch(tokens: (0..<ids.shape[0]).map { b in (0..<ids.shape[1]).map { Int(ids[b, $0]) } },
                                attentionMask: (0..<ids.shape[0]).map { b in (0..<ids.shape[1]).map { mask[b, $0] != 0 } },
                                pixels: try JSONValue.tensor(from: inputs["pixel_values"]!, argument: "pixel_values"))
            self.runs = runs
        }

        func expected(_ run: String, _ key: String) throws -> JSONValue {
            guard case .object(let r)? = runs[run], case .object(let e)? = r["expected"], let v = e[key] else {
                throw InputError.missingInput(argument: "\(run).\(key)")
            }
            return v
        }

        /// A number of the run's `settings` (e.g. the `eos_token_id` transformers was given).
        func setting(_ run: String, _ key: String) throws -> Int {
            guard case .object(let r)? = runs[run], case .object(let s)? = r["settings"], let v = s[key]?.numberValue else {
                throw InputError.missingInput(argument: "\(run).settings.\(key)")
            }
            return Int(v)
        }

        func sequences(_ run: String) throws -> [[Int]] {
            guard case .array(let rows) = try expected(run, "sequences") else { return [] }
            return rows.map { row in if case .array(let xs) = row { xs.map { Int($0.numberValue!) } } else { [] } }
        }
    }

    static let float64 = Tolerance(absolute: 1e-12, relative: 1e-10)

    @Test("greedy: the tokens of generate, and log-probs equal to the float64 recomputation")
    func greedy() throws {
        let r = try Reference()
        var (decoder, logits) = try IncrementalDecoder.prefill(r.model, prompt: r.prompt, maxNewTokens: 8)
        var generator = SeededGenerator(seed: 0)
        let result = try generate(&decoder, prompt: r.prompt.tokens, logits: logits.converted(to: Double.self),
                                  options: DecodingOptions(maxNewTokens: 8, eosTokenID: 2), generator: &generator)
        #expect(result.sequences == (try r.sequences("greedy")))
        let report = compare(expected: try r.expected("greedy", "new_token_log_probs_float64"),
                             actual: JSONValue(try Tensor(shape: [2, 8], elements: result.newTokenLogProbs.flatMap { $0 })),
                             tolerance: Self.float64, path: "new_token_log_probs")
        #expect(report.passed && report.comparedElements == 16, "\(report)")
    }

    @Test("greedy with min_new_tokens 4 and no_repeat_ngram_size 2: the tokens of generate")
    func greedyConstrained() throws {
        let r = try Reference()
        var (decoder, logits) = try IncrementalDecoder.prefill(r.model, prompt: r.prompt, maxNewTokens: 8)
        var options = DecodingOptions(maxNewTokens: 8, eosTokenID: try r.setting("greedy_min_new_no_repeat", "eos_token_id"))
        options.minNewTokens = 4
        options.noRepeatNGramSize = 2
        var generator = SeededGenerator(seed: 0)
        let result = try generate(&decoder, prompt: r.prompt.tokens, logits: logits.converted(to: Double.self), options: options, generator: &generator)
        #expect(result.sequences == (try r.sequences("greedy_min_new_no_repeat")))
    }

    @Test("beam search (3 beams, length penalty 1, early stopping) with cache reordering: the tokens of generate and its scores")
    func beam() throws {
        let r = try Reference()
        var (decoder, logits) = try IncrementalDecoder.prefill(r.model, prompt: r.prompt, maxNewTokens: 6)
        var options = BeamSearchOptions(beams: 3, decoding: DecodingOptions(maxNewTokens: 6, eosTokenID: 2))
        options.earlyStopping = .yes
        let result = try beamSearch(&decoder, prompt: r.prompt.tokens, logits: logits.converted(to: Double.self), options: options)
        #expect(result.sequences == (try r.sequences("beam")))
        let report = compare(expected: try r.expected("beam", "sequences_scores_float64"), actual: JSONValue(Tensor(result.scores)),
                             tolerance: Self.float64, path: "sequences_scores")
        #expect(report.passed && report.comparedElements == 2, "\(report)")
    }

    @Test("seed 004's two settings run: training (top-k 6, temperature 2) and inference (min 4, max 60, no-repeat 2, 5 beams)")
    func seed004Settings() throws {
        var c = ModelConfiguration.micro
        c.text.maxPositions = 128
        var g = SeededGenerator(seed: 4)
        let model = try VisionLanguageModel<Float>(configuration: c, using: &g)
        let r = try Reference()
        let prompt = ModelBatch<Float>(tokens: r.prompt.tokens, attentionMask: r.prompt.attentionMask, pixels: r.prompt.pixels!.converted())
        var (decoder, logits) = try IncrementalDecoder.prefill(model, prompt: prompt, maxNewTokens: 20)
        var training = DecodingOptions(maxNewTokens: 20, eosTokenID: 2)
        training.sampling = .init(temperature: 2, topK: 6)
        let sampled = try generate(&decoder, prompt: prompt.tokens, logits: logits.converted(to: Double.self), options: training, generator: &g)
        #expect(sampled.sequences.allSatisfy { $0.count > prompt.length })
        var inference = BeamSearchOptions(beams: 5, decoding: DecodingOptions(maxNewTokens: 60, eosTokenID: 2))
        inference.decoding.minNewTokens = 4
        inference.decoding.noRepeatNGramSize = 2
        (decoder, logits) = try IncrementalDecoder.prefill(model, prompt: prompt, maxNewTokens: 60)
        let beams = try beamSearch(&decoder, prompt: prompt.tokens, logits: logits.converted(to: Double.self), options: inference)
        for row in beams.sequences {
            var new = Array(row.dropFirst(prompt.length))
            if let end = new.firstIndex(of: 2) { new = Array(new[...end]) }   // the hypothesis ends at EOS; EOS fills the rest
            #expect(new.count >= 4)
            let bigrams = zip(new, new.dropFirst()).map { [$0, $1] }
            #expect(Set(bigrams).count == bigrams.count, "no bigram repeats among the new tokens")
        }
    }

    @Test("per-row temperatures and top-p in one batch (seed 003's four settings); seeded sampling is reproducible")
    func perRowSampling() throws {
        let r = try Reference()
        var options = DecodingOptions(maxNewTokens: 5, eosTokenID: 2)
        let tokens = Array(repeating: r.prompt.tokens[0], count: 4)
        let prompt = ModelBatch(tokens: tokens, attentionMask: Array(repeating: r.prompt.attentionMask[0], count: 4),
                                pixels: try Tensor(shape: [4, 3, 8, 8], elements: Array(repeating: Array(r.prompt.pixels!.elements.prefix(192)), count: 4).flatMap { $0 }))
        options.sampling = .init(temperatures: [0.7, 0.8, 0.9, 1.0], topP: [0.9, 0.85, 0.95, 0.8])
        func run() throws -> DecodingResult {
            var (decoder, logits) = try IncrementalDecoder.prefill(r.model, prompt: prompt, maxNewTokens: 5)
            var g = SeededGenerator(seed: 3)
            return try generate(&decoder, prompt: prompt.tokens, logits: logits.converted(to: Double.self), options: options, generator: &g)
        }
        #expect(try run() == run())
        options.sampling = .init(temperatures: [0.7, 0.8], topP: [0.9])
        #expect { try run() } throws: { ($0 as? InputError)?.kind == "shape_mismatch" }
    }
}
