import Foundation
import Generation
import Models
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/Generation.md, "Key/value cache": decoding with the key/value cache gives what re-running the whole
/// forward pass on the grown sequence gives, at every step, for left-padded rows of different lengths.
@Suite("Key/value cache")
struct KeyValueCacheTests {
    /// Two left-padded prompts (pad 0) with one image each.
    static func prompt<T: Scalar>(_: T.Type) throws -> ModelBatch<T> {
        let r = try TransformersReference("micro-full")
        let image = Array(repeating: 31, count: 4)
        let rows = [[1] + image + [5, 9, 12], [1] + image + [14]]
        let length = 8
        return ModelBatch(tokens: rows.map { Array(repeating: 0, count: length - $0.count) + $0 },
                          attentionMask: rows.map { Array(repeating: false, count: length - $0.count) + Array(repeating: true, count: $0.count) },
                          pixels: r.batch.pixels!.converted(to: T.self))
    }

    /// The logits of the last position from a full forward pass over `tokens` (left-padded rows).
    static func fullLogits<T: Scalar>(_ model: VisionLanguageModel<T>, _ prompt: ModelBatch<T>, generated: [[Int]]) throws -> Tensor<T> {
        let tokens = zip(prompt.tokens, generated).map { $0 + $1 }
        let mask = prompt.attentionMask.map { $0 + Array(repeating: true, count: generated[0].count) }
        let positions = mask.map { row in
            var seen = 0
            return row.map { valid in defer { if valid { seen += 1 } }; return valid ? seen : 1 }
        }
        var context = ForwardContext.evaluation
        let pass = try model.forward(ModelBatch(tokens: tokens, attentionMask: mask, positions: positions, pixels: prompt.pixels), context: &context)
        let (rows, length, v) = (tokens.count, tokens[0].count, model.configuration.text.vocabularySize)
        var out = Tensor<T>(shape: [rows, v])
        for b in 0..<rows { for j in 0..<v { out[b, j] = pass.logits[b, length - 1, j] } }
        return out
    }

    static func argmax<T: Scalar>(_ logits: Tensor<T>) -> [Int] {
        (0..<logits.shape[0]).map { b in (0..<logits.shape[1]).max { logits[b, $0] < logits[b, $1] }! }
    }

    @Test("cached steps equal full recomputation: Double to 1e-12, Float with the same greedy tokens")
    func cachedEqualsFull() throws {
        try check(Double.self, tolerance: Tolerance(absolute: 1e-12, relative: 1e-12))
        try check(Float.self, tolerance: Tolerance(absolute: 2e-6, relative: 1e-6))
    }

    func check<T: Scalar>(_: T.Type, tolerance: Tolerance) throws {
        let model = try ModelFolder.load(try TransformersReference("micro-full").folder, as: T.self)
        let prompt = try Self.prompt(T.self)
        var (decoder, logits) = try IncrementalDecoder.prefill(model, prompt: prompt, maxNewTokens: 6)
        var generated: [[Int]] = [[], []]
        for step in 0..<6 {
            let full = try Self.fullLogits(model, prompt, generated: generated)
            let report = compare(expected: JSONValue(full), actual: JSONValue(logits), tolerance: tolerance, path: "step \(step)")
            #expect(report.passed, "\(T.self) \(report)")
            let next = Self.argmax(full)
            #expect(Self.argmax(logits) == next, "\(T.self) step \(step)")
            for b in 0..<2 { generated[b].append(next[b]) }
            logits = try decoder.step(next)
        }
        #expect { _ = try decoder.step([1, 1]) } throws: { ($0 as? InputError)?.kind == "out_of_range" }
    }

    @Test("a prompt that with max_new_tokens overflows the context is a typed error")
    func contextOverflow() throws {
        let model = try ModelFolder.load(try TransformersReference("micro-full").folder, as: Double.self)
        #expect { _ = try IncrementalDecoder.prefill(model, prompt: try Self.prompt(Double.self), maxNewTokens: 57) } throws: {
            ($0 as? InputError)?.kind == "out_of_range"
        }
    }
}
