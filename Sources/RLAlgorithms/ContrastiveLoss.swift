import Tensor

/// CLIP's image–text similarity and symmetric contrastive (InfoNCE) loss on projected features
/// (Specs/CLIP.md CLIP-4 … CLIP-7), with its hand-derived backward pass.
///
/// Shapes: text features u [N_t, P], image features v [N_i, P] (projections' outputs, not normalised).
/// - CLIP-4: û = u/‖u‖, v̂ = v/‖v‖ row-wise (the embeddings transformers returns as `text_embeds`,
///   `image_embeds`).
/// - CLIP-5: τ = exp(s) with s the learned `logit_scale` (CLIP-7: s ↦ min(s, s_max) when
///   `maxLogitScale` is given, original CLIP's clamp at ln 100); logits_per_text = τ·Û·V̂ᵀ [N_t, N_i],
///   logits_per_image its transpose.
/// - CLIP-6 (`loss`, N_t = N_i = N): ½·(CE(logits_per_text, diag) + CE(logits_per_image, diag)), each
///   cross-entropy the mean over its N rows of −log softmax at the matching column.
public struct ContrastiveSimilarity<T: Scalar>: Sendable {
    /// û [N_t, P] and v̂ [N_i, P] (CLIP-4).
    public private(set) var textEmbeddings: Tensor<T>
    public private(set) var imageEmbeddings: Tensor<T>
    /// ‖u‖ and ‖v‖ per row.
    var textNorms: [T]
    var imageNorms: [T]
    /// τ = exp(min(s, s_max)) (CLIP-5, CLIP-7).
    public private(set) var temperature: T
    /// Whether s > s_max, so the loss does not depend on s (its gradient is 0).
    public private(set) var isScaleClamped: Bool
    /// τ·Û·V̂ᵀ [N_t, N_i] (CLIP-5).
    public private(set) var logitsPerText: Tensor<T>

    /// logits_per_image = logits_per_textᵀ [N_i, N_t].
    public var logitsPerImage: Tensor<T> { logitsPerText.transposed2D() }

    /// - Throws, in this order: `shapeMismatch` (u or v not a matrix, or different widths P), `empty`
    ///   (no row or P = 0), `nonFinite` (u, v, `logitScale`, `maxLogitScale`), `invalidArgument` for a zero row
    ///   (it has no direction; transformers divides 0 by 0), `outOfRange` when exp(s) overflows `T`.
    @_specialize(where T == Float)
    public init(textFeatures u: Tensor<T>, imageFeatures v: Tensor<T>, logitScale s: T, maxLogitScale: Double? = nil) throws {
        try requireMatrix(u, "text_embeds")
        try requireMatrix(v, "image_embeds")
        let width = u.rank == 2 ? u.shape[1] : 0
        guard v.rank != 2 || u.rank != 2 || v.shape[1] == width else {
            throw InputError.shapeMismatch(argument: "image_embeds", expected: [v.shape[0], width], actual: v.shape)
        }
        guard u.count > 0, v.count > 0 else {
            throw InputError.empty(argument: u.count == 0 ? "text_embeds" : "image_embeds", reason: "needs at least one row of P ≥ 1 entries")
        }
        try requireFinite(u, "text_embeds")
        try requireFinite(v, "image_embeds")
        guard s.isFinite else { throw InputError.nonFinite(argument: "logit_scale", index: []) }
        if let m = maxLogitScale, !m.isFinite { throw InputError.nonFinite(argument: "max_logit_scale", index: []) }
        (textEmbeddings, textNorms) = try Self.normalizedRows(u, argument: "text_embeds")
        (imageEmbeddings, imageNorms) = try Self.normalizedRows(v, argument: "image_embeds")
        isScaleClamped = maxLogitScale.map { Double(s) > $0 } ?? false
        temperature = T.exp(isScaleClamped ? T(maxLogitScale!) : s)
        guard temperature.isFinite else {
            throw InputError.outOfRange(argument: "logit_scale", value: Double(s), range: "exp(logit_scale) finite in this precision")
        }
        let tau = temperature
        logitsPerText = textEmbeddings.matmul(imageEmbeddings, transposeOther: true).map { $0 * tau }
    }

    /// Rows divided by their Euclidean norms, and the norms (CLIP-4).
    /// - Throws: `invalidArgument` naming `argument` for a zero row.
    public static func normalizedRows(_ x: Tensor<T>, argument: String) throws -> (Tensor<T>, [T]) {
        let (n, p) = (x.shape[0], x.shape[1])
        var out = x
        var norms = [T](repeating: 0, count: n)
        for r in 0..<n {
            // scaled by the largest magnitude first, so squares neither overflow nor underflow
            var largest: T = 0
            for j in 0..<p { largest = max(largest, abs(x.elements[r * p + j])) }
            guard largest > 0 else {
                throw InputError.invalidArgument(argument: argument, reason: "row \(r) is the zero vector (no direction to normalise)")
            }
            var sum: T = 0
            for j in 0..<p { let y = x.elements[r * p + j] / largest; sum += y * y }
            norms[r] = largest * sum.squareRoot()
            for j in 0..<p { out.elements[r * p + j] = x.elements[r * p + j] / norms[r] }
        }
        return (out, norms)
    }

    /// The symmetric InfoNCE loss (CLIP-6). - Throws: `shapeMismatch` unless N_t = N_i.
    @_specialize(where T == Float)
    public func loss() throws -> T {
        let n = try pairCount()
        let rowTerms = logitsPerText.logSoftmaxLastAxis(), columnTerms = logitsPerImage.logSoftmaxLastAxis()
        var total: T = 0
        for i in 0..<n { total -= rowTerms.elements[i * n + i] + columnTerms.elements[i * n + i] }
        return total / T(2 * n)
    }

    /// ∂loss/∂logits_per_text [N, N] (CLIP-6 backward): (softmax over the row + softmax over the
    /// column − 2·I) / (2N). - Throws: `shapeMismatch` unless N_t = N_i.
    @_specialize(where T == Float)
    public func lossGradient() throws -> Tensor<T> {
        let n = try pairCount()
        let rows = logitsPerText.logSoftmaxLastAxis(), columns = logitsPerImage.logSoftmaxLastAxis()
        var g = Tensor<T>(shape: [n, n])
        let scale = 1 / T(2 * n)
        for i in 0..<n {
            for j in 0..<n {
                let delta: T = i == j ? 2 : 0
                g.elements[i * n + j] = (T.exp(rows.elements[i * n + j]) + T.exp(columns.elements[j * n + i]) - delta) * scale
            }
        }
        return g
    }

    func pairCount() throws -> Int {
        let (nt, ni) = (logitsPerText.shape[0], logitsPerText.shape[1])
        guard nt == ni else {
            throw InputError.shapeMismatch(argument: "text_embeds", expected: [ni, textEmbeddings.shape[1]], actual: textEmbeddings.shape)
        }
        return nt
    }

    /// ∂L/∂u, ∂L/∂v and ∂L/∂s from G = ∂L/∂logits_per_text [N_t, N_i] (CLIP-4, CLIP-5, CLIP-7 backward):
    /// ∂L/∂Û = τ·G·V̂, ∂L/∂V̂ = τ·Gᵀ·Û, ∂L/∂s = Σ G ⊙ logits (0 while clamped, s > s_max), and through the
    /// normalisation ∂L/∂u = (∂L/∂û − û·⟨û, ∂L/∂û⟩)/‖u‖ per row.
    @_specialize(where T == Float)
    public func backward(logitsPerTextGradient g: Tensor<T>) throws -> (text: Tensor<T>, image: Tensor<T>, logitScale: T) {
        try requireShape(g, logitsPerText.shape, "logits_per_text cotangent")
        let tau = temperature
        let dText = g.matmul(imageEmbeddings).map { $0 * tau }
        let dImage = g.matmul(textEmbeddings, transposeSelf: true).map { $0 * tau }
        let dScale: T = isScaleClamped ? 0 : g.dot(logitsPerText)
        return (Self.normalizationBackward(dText, embeddings: textEmbeddings, norms: textNorms),
                Self.normalizationBackward(dImage, embeddings: imageEmbeddings, norms: imageNorms), dScale)
    }

    static func normalizationBackward(_ dy: Tensor<T>, embeddings y: Tensor<T>, norms: [T]) -> Tensor<T> {
        let p = y.shape[1]
        var dx = dy
        for r in 0..<y.shape[0] {
            var inner: T = 0
            for j in 0..<p { inner += y.elements[r * p + j] * dy.elements[r * p + j] }
            for j in 0..<p { dx.elements[r * p + j] = (dy.elements[r * p + j] - y.elements[r * p + j] * inner) / norms[r] }
        }
        return dx
    }
}

extension Tensor {
    /// The transpose of a matrix [n, m] → [m, n] (data movement only).
    func transposed2D() -> Tensor {
        let (n, m) = (shape[0], shape[1])
        var out = Tensor(shape: [m, n])
        for i in 0..<n { for j in 0..<m { out.elements[j * n + i] = elements[i * m + j] } }
        return out
    }

}
