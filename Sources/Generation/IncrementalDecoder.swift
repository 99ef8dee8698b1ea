import Models
import RLAlgorithms
import Tensor

/// Prefill-then-step decoding of a `VisionLanguageModel` with a key/value cache (Specs/Generation.md
/// "Key/value cache"): the prompt (image features included) runs once through the full forward pass, whose
/// attention caches already hold every layer's rotated keys and values; each later step runs one token
/// per row through the decoder, attending to the cache. The equations are Model-4, Model-6, Model-7,
/// Model-9 and Model-13 restricted to the new position.
public struct IncrementalDecoder<T: Scalar>: Sendable {
    public let model: VisionLanguageModel<T>
    public internal(set) var cache: KeyValueCache<T>
    /// [B]: the rotary position of each row's next token.
    public internal(set) var nextPositions: [Int]

    /// Runs the prompt batch (left-padded; positions = number of real tokens before each one, as
    /// transformers' generation uses) and returns the decoder plus the logits [B, V] at the last position.
    /// - Throws: the batch's validation errors; `outOfRange` when prompt + `maxNewTokens` exceeds the context.
    @_specialize(where T == Float)
    public static func prefill(_ model: VisionLanguageModel<T>, prompt: ModelBatch<T>, maxNewTokens: Int)
        throws -> (IncrementalDecoder, Tensor<T>) {
        let c = model.configuration
        guard maxNewTokens >= 0 else {
            throw InputError.outOfRange(argument: "max_new_tokens", value: Double(maxNewTokens), range: "[0, ∞)")
        }
        let capacity = prompt.length + maxNewTokens
        guard capacity <= c.text.maxPositions else {
            throw InputError.outOfRange(argument: "max_new_tokens", value: Double(maxNewTokens),
                                        range: "[0, \(max(0, c.text.maxPositions - prompt.length))] (prompt \(prompt.length) + new tokens ≤ max_position_embeddings \(c.text.maxPositions))")
        }
        var batch = prompt
        batch.positions = prompt.attentionMask.map { row in
            var seen = 0
            return row.map { valid in defer { if valid { seen += 1 } }; return valid ? seen : 1 }
        }
        var context = ForwardContext.evaluation
        let pass = try model.forward(batch, context: &context)
        let width = c.text.keyValueHeads * c.text.headDimension
        var cache = KeyValueCache<T>(layers: c.text.layers, rows: batch.rows, capacity: capacity, width: width)
        for (layer, layerCache) in pass.layers.enumerated() {
            let (k, v) = layerCache.attentionKeysAndValues
            cache.storePrompt(layer: layer, keys: k, values: v, length: batch.length)
        }
        cache.setPromptMask(batch.attentionMask)
        let vocabulary = c.text.vocabularySize
        var logits = Tensor<T>(shape: [batch.rows, vocabulary])
        for b in 0..<batch.rows {
            let source = (b * batch.length + batch.length - 1) * vocabulary
            logits.elements.replaceSubrange((b * vocabulary)..<((b + 1) * vocabulary), with: pass.logits.elements[source..<(source + vocabulary)])
        }
        let next = batch.attentionMask.map { $0.filter { $0 }.count }
        return (IncrementalDecoder(model: model, cache: cache, nextPositions: next), logits)
    }

    /// Feeds one token per row and returns the logits [B, V] for the position after it.
    @_specialize(where T == Float)
    public mutating func step(_ tokens: [Int]) throws -> Tensor<T> {
        let c = model.configuration
        guard tokens.count == cache.rows else {
            throw InputError.shapeMismatch(argument: "tokens", expected: [cache.rows], actual: [tokens.count])
        }
        if let bad = tokens.first(where: { !(0..<c.text.vocabularySize).contains($0) }) {
            throw InputError.outOfRange(argument: "tokens", value: Double(bad), range: "[0, \(c.text.vocabularySize))")
        }
        guard cache.length < cache.capacity else {
            throw InputError.outOfRange(argument: "step", value: Double(cache.length + 1), range: "[1, \(cache.capacity)] (the cache's capacity)")
        }
        var context = ForwardContext.evaluation
        let pool = model.pool
        pool.beginGeneration()
        var x = model.tokenEmbedding.forward(tokens, pool: pool)
        let rotary = model.rotary
        let tables = rotary.map { $0.tables(positions: nextPositions, as: T.self) }
        for (index, layer) in model.decoderLayers.enumerated() {
            let (n1, _) = layer.inputNorm.forward(x, pool: pool)
            var (q, _) = layer.attention.query.forward(n1, context: &context, pool: pool)
            var (k, _) = layer.attention.key.forward(n1, context: &context, pool: pool)
            let (v, _) = layer.attention.value.forward(n1, context: &context, pool: pool)
            if let rotary, let tables {
                q = rotary.rotated(q, cos: tables.cos, sin: tables.sin, pool: pool)
                k = rotary.rotated(k, cos: tables.cos, sin: tables.sin, pool: pool)
            }
            cache.append(layer: index, keys: k, values: v)
            let o = attendToCache(query: q, layer: index, heads: layer.attention.heads, keyValueHeads: layer.attention.keyValueHeads)
            let (a, _) = layer.attention.output.forward(o, context: &context, pool: pool)
            let h = x.zipMap(a, pool: pool, +)
            let (n2, _) = layer.postAttentionNorm.forward(h, pool: pool)
            let (m, _) = layer.mlp.forward(n2, context: &context, pool: pool)
            x = h.zipMap(m, pool: pool, +)
        }
        cache.advance()
        nextPositions = nextPositions.map { $0 + 1 }
        let (hidden, _) = model.finalNorm.forward(x, pool: pool)
        return model.lmHead.forward(hidden, context: &context, pool: pool).0
    }

    /// Model-7 for one query per row against the cache (positions 0 … length, the new one included).
    func attendToCache(query q: Tensor<T>, layer: Int, heads: Int, keyValueHeads: Int) -> Tensor<T> {
        let d = q.shape[1] / heads, width = cache.width, group = heads / keyValueHeads
        let n = cache.length + 1
        let scale = 1 / T(d).squareRoot()
        var out = Tensor<T>(shape: q.shape)
        var scores = [T](repeating: 0, count: n)
        for b in 0..<cache.rows {
            for h in 0..<heads {
                let kv = h / group
                let base = b * cache.capacity * width + kv * d
                T.gemm(transposeA: false, transposeB: true, m: 1, n: n, k: d, alpha: scale,
                       a: q.elements, aOffset: b * q.shape[1] + h * d, lda: q.shape[1],
                       b: cache.keys[layer], bOffset: base, ldb: width, beta: 0, c: &scores, ldc: n)
                var maximum = -T.infinity
                for j in 0..<n where j == cache.length || cache.valid[b * cache.capacity + j] { maximum = max(maximum, scores[j]) }
                var total: T = 0
                for j in 0..<n {
                    if j == cache.length || cache.valid[b * cache.capacity + j] {
                        scores[j] = T.exp(scores[j] - maximum)
                        total += scores[j]
                    } else {
                        scores[j] = 0
                    }
                }
                for j in 0..<n { scores[j] /= total }
                T.gemm(transposeA: false, transposeB: false, m: 1, n: d, k: n, alpha: 1,
                       a: scores, lda: n, b: cache.values[layer], bOffset: base, ldb: width,
                       beta: 0, c: &out.elements, cOffset: b * q.shape[1] + h * d, ldc: q.shape[1])
            }
        }
        return out
    }
}
