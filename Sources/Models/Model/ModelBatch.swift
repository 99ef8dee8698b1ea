import Tensor

/// One teacher-forced batch: B token rows of equal length T (padded), which positions are real,
/// their rotary positions, and the images whose features replace the image tokens.
public struct ModelBatch<T: Scalar>: Sendable {
    /// [B][T] token ids; row b holds its images' placeholder tokens in order.
    public var tokens: [[Int]]
    /// [B][T]: false at padding (default: all true).
    public var attentionMask: [[Bool]]
    /// [B][T] rotary positions (default: 0, 1, …, T−1 in every row, as transformers uses for
    /// teacher forcing; left-padded generation passes cumulative positions instead).
    public var positions: [[Int]]
    /// [I, C, H, W] images, normalised, consumed in order by the rows' image tokens (nil: no images,
    /// and image-token ids are ordinary tokens).
    public var pixels: Tensor<T>?

    public init(tokens: [[Int]], attentionMask: [[Bool]]? = nil, positions: [[Int]]? = nil, pixels: Tensor<T>? = nil) {
        self.tokens = tokens
        self.attentionMask = attentionMask ?? tokens.map { $0.map { _ in true } }
        self.positions = positions ?? tokens.map { Array(0..<$0.count) }
        self.pixels = pixels
    }

    public var rows: Int { tokens.count }
    public var length: Int { tokens.first?.count ?? 0 }

    /// Checks the batch against a configuration; the first problem is a typed error.
    public func validate(for c: ModelConfiguration) throws {
        guard rows > 0, length > 0 else { throw InputError.empty(argument: "input_ids", reason: "a batch needs at least one token") }
        for (b, row) in tokens.enumerated() where row.count != length {
            throw InputError.shapeMismatch(argument: "input_ids[\(b)]", expected: [length], actual: [row.count])
        }
        guard attentionMask.count == rows, attentionMask.allSatisfy({ $0.count == length }) else {
            throw InputError.shapeMismatch(argument: "attention_mask", expected: [rows, length],
                                           actual: [attentionMask.count, attentionMask.first?.count ?? 0])
        }
        guard positions.count == rows, positions.allSatisfy({ $0.count == length }) else {
            throw InputError.shapeMismatch(argument: "position_ids", expected: [rows, length],
                                           actual: [positions.count, positions.first?.count ?? 0])
        }
        guard length <= c.text.maxPositions else {
            throw InputError.outOfRange(argument: "input_ids", value: Double(length),
                                        range: "sequence length [1, \(c.text.maxPositions)] (max_position_embeddings)")
        }
        for row in tokens {
            if let bad = row.first(where: { !(0..<c.text.vocabularySize).contains($0) }) {
                throw InputError.outOfRange(argument: "input_ids", value: Double(bad), range: "[0, \(c.text.vocabularySize))")
            }
        }
        for row in positions {
            if let bad = row.first(where: { $0 < 0 || $0 >= c.text.maxPositions }) {
                throw InputError.outOfRange(argument: "position_ids", value: Double(bad), range: "[0, \(c.text.maxPositions))")
            }
        }
        let imageTokens = tokens.reduce(0) { $0 + $1.filter { $0 == c.imageTokenID }.count }
        let images = pixels?.shape.first ?? 0
        if let pixels {
            let v = c.vision
            guard pixels.shape == [images, v.channels, v.imageSize, v.imageSize] else {
                throw InputError.shapeMismatch(argument: "pixel_values", expected: [-1, v.channels, v.imageSize, v.imageSize],
                                               actual: pixels.shape)
            }
            if let i = pixels.firstNonFiniteIndex { throw InputError.nonFinite(argument: "pixel_values", index: i) }
        }
        guard pixels == nil || imageTokens == images * c.imageTokensPerImage else {
            throw InputError.invalidArgument(
                argument: "input_ids",
                reason: "\(imageTokens) image tokens for \(images) images of \(c.imageTokensPerImage) features each")
        }
    }
}
