import Tensor

/// Where a correct candidate goes among wrong candidates with exactly its score
/// (Specs/RetrievalMetrics.md, "Ties").
public enum RetrievalTieRule: String, Sendable, CaseIterable {
    /// Every tied wrong candidate is placed before the correct one (the default).
    case pessimistic
    /// Every tied wrong candidate is placed after the correct one.
    case optimistic
    /// Tied candidates are ordered by ascending index (a stable descending sort).
    case index
}

/// Conventions of the retrieval metrics (Specs/RetrievalMetrics.md, "Conventions and presets").
public struct RetrievalConfiguration: Sendable, Equatable {
    /// The cut-offs K of Recall@K, each ≥ 1 (paper: [1, 5, 10], Table 3).
    public var ks: [Int]
    public var ties: RetrievalTieRule

    public init(ks: [Int] = [1, 5, 10], ties: RetrievalTieRule = .pessimistic) {
        self.ks = ks
        self.ties = ties
    }

    /// Seed 004 Table 3: R@1, R@5, R@10 and MRR; pessimistic ties (the paper does not say).
    public static let paper = RetrievalConfiguration()

    /// The presets by their golden-file names.
    public static let presets: [String: RetrievalConfiguration] = ["paper": .paper]

    /// Throws `outOfRange` for a K < 1.
    public func validate() throws {
        if let k = ks.first(where: { $0 < 1 }) {
            throw InputError.outOfRange(argument: "ks", value: Double(k), range: "[1, inf)")
        }
    }
}

/// Ranks and their summaries in one retrieval direction.
public struct RetrievalDirectionMetrics: Sendable, Equatable {
    /// 1-based rank of the best-placed correct candidate per query item; 0 for an item that is not a
    /// query (an image without captions in image-to-text retrieval).
    public var ranks: [Int]
    /// Recall@K for each K of the configuration.
    public var recallAtK: [Double]
    /// Mean reciprocal rank.
    public var meanReciprocalRank: Double
    /// The number of queries Q the means run over.
    public var queryCount: Int
}

/// Text-to-image (the paper's "CLIP Recall") and image-to-text retrieval metrics.
public struct RetrievalMetrics: Sendable, Equatable {
    public var textToImage: RetrievalDirectionMetrics
    public var imageToText: RetrievalDirectionMetrics
}

/// The rank of the best-placed correct candidate among `count` candidates (RetrievalMetrics-1 and
/// RetrievalMetrics-2): `1 + #{wrong: score > m} + T`, with m the best correct score and T the tied
/// wrong candidates the tie rule places first. `score(c)` and `isCorrect(c)` describe candidate c;
/// at least one candidate is correct.
private func bestCorrectRank<T: Scalar>(count: Int, ties: RetrievalTieRule,
                                        score: (Int) -> T, isCorrect: (Int) -> Bool) -> Int {
    var best = -T.infinity
    var first = -1   // the smallest index among the correct candidates scoring `best`
    for c in 0..<count where isCorrect(c) && (first < 0 || score(c) > best) {
        best = score(c)
        first = c
    }
    var rank = 1
    for c in 0..<count where !isCorrect(c) {
        let s = score(c)
        if s > best {
            rank += 1
        } else if s == best {
            switch ties {
            case .pessimistic: rank += 1
            case .optimistic: break
            case .index: if c < first { rank += 1 }
            }
        }
    }
    return rank
}

/// Recall@K and MRR over the ranks that are queries (rank > 0): RetrievalMetrics-3
/// `R@K = (1/Q) Σ_q [rank_q ≤ K]` and RetrievalMetrics-4 `MRR = (1/Q) Σ_q 1/rank_q`.
private func summarize(_ ranks: [Int], ks: [Int]) -> RetrievalDirectionMetrics {
    let queries = ranks.filter { $0 > 0 }
    let q = Double(queries.count)
    let recall = ks.map { k in Double(queries.count(where: { $0 <= k })) / q }
    let mrr = queries.reduce(0.0) { $0 + 1 / Double($1) } / q
    return RetrievalDirectionMetrics(ranks: ranks, recallAtK: recall, meanReciprocalRank: mrr, queryCount: queries.count)
}

/// Image–text retrieval metrics of a similarity matrix (seed 004, Section 3.1 and Table 3).
///
/// Implements Specs/RetrievalMetrics.md
/// - RetrievalMetrics-1: text j queries all images by `similarity[:, j]`;
///   `rank_j = 1 + #{i ≠ g(j): S_ij > S_g(j)j} + T_j`;
/// - RetrievalMetrics-2: image i with captions C_i ≠ ∅ queries all texts by `similarity[i, :]`; its
///   rank is that of its best-placed caption, `1 + #{j ∉ C_i: S_ij > m_i} + T_i`,
///   `m_i = max_{j∈C_i} S_ij`; images without captions get rank 0 and are not queries;
/// - RetrievalMetrics-3 (Recall@K) and RetrievalMetrics-4 (mean reciprocal rank) per direction.
/// Scores are compared exactly; T follows `configuration.ties`.
/// - Parameters:
///   - similarity: S [N_img, N_txt], finite.
///   - textToImage: g, the image each text describes, in [0, N_img); nil pairs text j with image j.
/// - Throws: `InputError`: `shapeMismatch` (not a matrix, g of the wrong length, no g and
///   N_img ≠ N_txt), `empty` (N_img or N_txt = 0), `outOfRange` (g entry or K), `nonFinite`.
public func retrievalMetrics<T: Scalar>(
    similarity: Tensor<T>, textToImage: [Int]? = nil, configuration: RetrievalConfiguration = .paper
) throws -> RetrievalMetrics {
    guard similarity.rank == 2 else {
        throw InputError.shapeMismatch(argument: "similarity", expected: [-1, -1], actual: similarity.shape)
    }
    let (imageCount, textCount) = (similarity.shape[0], similarity.shape[1])
    guard imageCount > 0, textCount > 0 else {
        throw InputError.empty(argument: "similarity", reason: "needs at least one image and one text, shape \(similarity.shape)")
    }
    let pairing: [Int]
    if let textToImage {
        guard textToImage.count == textCount else {
            throw InputError.shapeMismatch(argument: "text_to_image", expected: [textCount], actual: [textToImage.count])
        }
        if let bad = textToImage.first(where: { !(0..<imageCount).contains($0) }) {
            throw InputError.outOfRange(argument: "text_to_image", value: Double(bad), range: "[0, \(imageCount))")
        }
        pairing = textToImage
    } else {
        guard imageCount == textCount else {
            throw InputError.shapeMismatch(argument: "similarity", expected: [textCount, textCount], actual: similarity.shape)
        }
        pairing = Array(0..<textCount)
    }
    try configuration.validate()
    try requireFinite(similarity, "similarity")

    let s = similarity.elements
    let t2iRanks = (0..<textCount).map { j in
        bestCorrectRank(count: imageCount, ties: configuration.ties,
                        score: { s[$0 * textCount + j] }, isCorrect: { $0 == pairing[j] })
    }
    var hasCaption = [Bool](repeating: false, count: imageCount)
    for image in pairing { hasCaption[image] = true }
    let i2tRanks = (0..<imageCount).map { i in
        hasCaption[i]
            ? bestCorrectRank(count: textCount, ties: configuration.ties,
                              score: { s[i * textCount + $0] }, isCorrect: { pairing[$0] == i })
            : 0
    }
    return RetrievalMetrics(textToImage: summarize(t2iRanks, ks: configuration.ks),
                            imageToText: summarize(i2tRanks, ks: configuration.ks))
}
