import Models
import Tensor

/// Something that gives next-token logits for a set of running rows: the key/value-cached model, or
/// the golden files' toy bigram table. Decoding loops (greedy, sampling, beam search) are written
/// against this protocol once.
public protocol NextTokenModel {
    var vocabularySize: Int { get }
    /// Feeds one token per running row; returns the logits [N, V] for the next position, in Double.
    mutating func nextLogits(after tokens: [Int]) throws -> Tensor<Double>
    /// Keeps the running rows `rows` in this order (repeats allowed): beam reordering and expansion.
    mutating func select(rows: [Int])
}

extension IncrementalDecoder: NextTokenModel {
    public var vocabularySize: Int { model.configuration.text.vocabularySize }

    public mutating func nextLogits(after tokens: [Int]) throws -> Tensor<Double> {
        try step(tokens).converted(to: Double.self)
    }

    public mutating func select(rows: [Int]) {
        cache.select(rows: rows)
        nextPositions = rows.map { nextPositions[$0] }
    }
}

/// A next-token table: logits of the token after `t` are `table[t]` whatever came before
/// (Specs/Generation.md, the decoding golden cases).
public struct BigramModel: NextTokenModel, Sendable {
    public let table: Tensor<Double>
    public var vocabularySize: Int { table.shape[0] }

    public init(table: Tensor<Double>) { self.table = table }

    public func nextLogits(after tokens: [Int]) -> Tensor<Double> {
        let v = vocabularySize
        var out = Tensor<Double>(shape: [tokens.count, v])
        for (b, t) in tokens.enumerated() { out.elements.replaceSubrange((b * v)..<((b + 1) * v), with: table.elements[(t * v)..<((t + 1) * v)]) }
        return out
    }

    public mutating func select(rows: [Int]) {}
}
