import Tensor

/// ∂L/∂a and ∂L/∂b of the cosine similarity.
public struct CosineSimilarityGradients<T: Scalar>: Sendable {
    public var a: Tensor<T>
    public var b: Tensor<T>
}

/// Row-wise cosine similarity of two batches of embeddings a, b [N, D] with an ε guard: the reward of
/// seed 000 ("cosine similarity score" of output and answer) and seed 001's retrieval score. Returns [N].
///
/// Implements Specs/SimilarityReward.md SimilarityReward-1 (`epsMode = .product`:
/// `⟨a,b⟩ / max(‖a‖‖b‖, ε)`, the norm product taken at a tie) and SimilarityReward-2
/// (`.separate`: `⟨a,b⟩ / (max(‖a‖,ε)·max(‖b‖,ε))`, the norm taken at a tie). Zero vectors are
/// legal and give 0.
/// - Throws: in this order, `shapeMismatch` (a or b not [N, D], or different shapes), `empty`
///   (N = 0 or D = 0), `nonFinite` (a, b, ε), `outOfRange` (ε ≤ 0, then an entry above
///   `SimilarityRewardConfiguration.magnitudeBound`).
public func cosineSimilarity<T: Scalar>(_ a: Tensor<T>, _ b: Tensor<T>,
                                        configuration: SimilarityRewardConfiguration = .paper) throws -> Tensor<T> {
    try validateEmbeddings(a, b, configuration)
    let eps = T(configuration.eps)
    var cosine = Tensor<T>(shape: [a.shape[0]])
    for row in 0..<a.shape[0] {
        cosine[row] = RowGeometry(a, b, row: row).cosine(eps: eps, mode: configuration.epsMode)
    }
    return cosine
}

/// Vector–Jacobian product of `cosineSimilarity`: ∂L/∂a, ∂L/∂b given g = ∂L/∂cosine [N].
///
/// Product mode (Specs/SimilarityReward.md, "Gradient"): where ‖a‖‖b‖ ≥ ε (the tie included),
/// `∂cos/∂a = (b̂ − cos·â)/‖a‖` and `∂cos/∂b = (â − cos·b̂)/‖b‖`; where ‖a‖‖b‖ < ε, `b/ε` and `a/ε`.
/// Separate mode: `∂cos/∂a = b/(n_a n_b) − [‖a‖ ≥ ε]·cos·â/‖a‖` and symmetrically for b (a norm
/// clamped to ε is a constant). Squared norms are never formed, so nothing overflows under the
/// magnitude bound.
/// - Throws: the errors of `cosineSimilarity`, and `shapeMismatch` when g is not [N].
public func cosineSimilarityBackward<T: Scalar>(_ a: Tensor<T>, _ b: Tensor<T>,
                                                configuration: SimilarityRewardConfiguration = .paper,
                                                cosineGradient g: Tensor<T>) throws -> CosineSimilarityGradients<T> {
    try validateEmbeddings(a, b, configuration)
    try requireShape(g, [a.shape[0]], "cosine cotangent")
    let eps = T(configuration.eps)
    var grads = CosineSimilarityGradients(a: Tensor<T>(shape: a.shape), b: Tensor<T>(shape: a.shape))
    let d = a.shape[1]
    for row in 0..<a.shape[0] {
        let geometry = RowGeometry(a, b, row: row)
        let cosine = geometry.cosine(eps: eps, mode: configuration.epsMode)
        let (na, nb) = (geometry.normA, geometry.normB)
        let gRow = g[row]
        for j in (row * d)..<(row * d + d) {
            let (x, y) = (a.elements[j], b.elements[j])
            switch configuration.epsMode {
            case .product where na * nb >= eps:
                grads.a.elements[j] = gRow * ((y / nb - cosine * x / na) / na)
                grads.b.elements[j] = gRow * ((x / na - cosine * y / nb) / nb)
            case .product:
                grads.a.elements[j] = gRow * y / eps
                grads.b.elements[j] = gRow * x / eps
            case .separate:
                let denominator = max(na, eps) * max(nb, eps)
                grads.a.elements[j] = gRow * (y / denominator - (na >= eps ? cosine * x / na / na : 0))
                grads.b.elements[j] = gRow * (x / denominator - (nb >= eps ? cosine * y / nb / nb : 0))
            }
        }
    }
    return grads
}

/// The errors of `cosineSimilarity`, in the Spec's order.
private func validateEmbeddings<T: Scalar>(_ a: Tensor<T>, _ b: Tensor<T>, _ c: SimilarityRewardConfiguration) throws {
    try requireMatrix(a, "a")
    try requireMatrix(b, "b")
    try requireShape(b, a.shape, "b")
    guard a.count > 0 else { throw InputError.empty(argument: "a", reason: "needs N ≥ 1 rows of D ≥ 1 entries, got \(a.shape)") }
    try requireFinite(a, "a")
    try requireFinite(b, "b")
    guard c.eps.isFinite else { throw InputError.nonFinite(argument: "eps", index: []) }
    guard c.eps > 0 else { throw InputError.outOfRange(argument: "eps", value: c.eps, range: "(0, inf)") }
    try requireWithinMagnitudeBound(a, "a")
    try requireWithinMagnitudeBound(b, "b")
}

/// ⟨a,b⟩, ‖a‖ and ‖b‖ of one row.
private struct RowGeometry<T: Scalar> {
    var dot: T = 0
    var normA: T = 0
    var normB: T = 0

    init(_ a: Tensor<T>, _ b: Tensor<T>, row: Int) {
        let d = a.shape[1]
        for j in (row * d)..<(row * d + d) {
            let (x, y) = (a.elements[j], b.elements[j])
            dot += x * y
            normA += x * x
            normB += y * y
        }
        normA = normA.squareRoot()
        normB = normB.squareRoot()
    }

    /// SimilarityReward-1 or -2.
    func cosine(eps: T, mode: CosineEpsilonMode) -> T {
        switch mode {
        case .product: dot / max(normA * normB, eps)
        case .separate: dot / (max(normA, eps) * max(normB, eps))
        }
    }
}
