import Tensor

/// Texts and images for the CLIP model: token ids [B][T] with a right-padding mask, and pixel values
/// [I, C, S, S] already preprocessed (Specs/Model.md Model-17). Text b and image b form pair b.
public struct CLIPBatch<T: Scalar>: Sendable {
    public var tokens: [[Int]]
    /// [B][T]: true for real tokens (transformers' `attention_mask`); all true when not given.
    public var attentionMask: [[Bool]]
    public var pixels: Tensor<T>

    public init(tokens: [[Int]], attentionMask: [[Bool]]? = nil, pixels: Tensor<T>) {
        self.tokens = tokens
        self.attentionMask = attentionMask ?? tokens.map { $0.map { _ in true } }
        self.pixels = pixels
    }

    public var texts: Int { tokens.count }
    public var length: Int { tokens.first?.count ?? 0 }
    public var images: Int { pixels.rank == 4 ? pixels.shape[0] : 0 }

    /// Checks the texts against `c` (Specs/CLIP.md, "Errors"), in this order: `empty` (no text or an empty
    /// row), `shapeMismatch` (ragged rows, a mask of another shape), `outOfRange` (more tokens than
    /// position embeddings, an id outside the vocabulary), `invalidArgument` (a row without `eos_token_id`
    /// under the eos rule); then the images: `shapeMismatch` unless [I, C, S, S] of the vision config,
    /// `nonFinite`; with `requiringPairs`, `shapeMismatch` unless I = B.
    public func validate(for c: CLIPConfiguration, requiringPairs: Bool) throws {
        try validateTexts(for: c)
        try validateImages(for: c)
        if requiringPairs, images != texts {
            throw InputError.shapeMismatch(argument: "pixel_values", expected: [texts] + pixels.shape.dropFirst(), actual: pixels.shape)
        }
    }

    /// The text checks of `validate`.
    public func validateTexts(for c: CLIPConfiguration) throws {
        guard texts > 0, length > 0 else { throw InputError.empty(argument: "input_ids", reason: "needs at least one token in one row") }
        if let r = tokens.firstIndex(where: { $0.count != length }) {
            throw InputError.shapeMismatch(argument: "input_ids", expected: [texts, length], actual: [r, tokens[r].count])
        }
        if attentionMask.count != texts || attentionMask.contains(where: { $0.count != length }) {
            throw InputError.shapeMismatch(argument: "attention_mask", expected: [texts, length],
                                           actual: [attentionMask.count, attentionMask.first?.count ?? 0])
        }
        guard length <= c.text.maxPositions else {
            throw InputError.outOfRange(argument: "input_ids", value: Double(length), range: "length ≤ max_position_embeddings \(c.text.maxPositions)")
        }
        for row in tokens {
            if let id = row.first(where: { !(0..<c.text.vocabularySize).contains($0) }) {
                throw InputError.outOfRange(argument: "input_ids", value: Double(id), range: "[0, \(c.text.vocabularySize))")
            }
        }
        if !c.text.usesLegacyPooling, let r = tokens.firstIndex(where: { !$0.contains(c.text.eosTokenID) }) {
            throw InputError.invalidArgument(argument: "input_ids", reason: "row \(r) holds no eos_token_id \(c.text.eosTokenID)")
        }
    }

    /// The image checks of `validate`.
    public func validateImages(for c: CLIPConfiguration) throws {
        let v = c.vision
        let expected = [images, v.channels, v.imageSize, v.imageSize]
        guard pixels.rank == 4, pixels.shape == expected, images > 0 else {
            throw InputError.shapeMismatch(argument: "pixel_values", expected: [max(images, 1), v.channels, v.imageSize, v.imageSize], actual: pixels.shape)
        }
        if let i = pixels.firstNonFiniteIndex { throw InputError.nonFinite(argument: "pixel_values", index: i) }
    }

    /// The pooled position of every row (Specs/CLIP.md CLIP-2): the first `eos_token_id`, or under
    /// the legacy rule (`eos_token_id` 2) the first position of the row's largest id.
    func pooledPositions(_ c: CLIPTextConfiguration) -> [Int] {
        tokens.map { row in
            if c.usesLegacyPooling {
                var best = 0
                for (t, id) in row.enumerated() where id > row[best] { best = t }
                return best
            }
            return row.firstIndex(of: c.eosTokenID) ?? 0
        }
    }
}
