import Tensor

/// Where the ε guard of the cosine similarity applies (Specs/SimilarityReward.md, "Conventions").
public enum CosineEpsilonMode: String, Sendable, CaseIterable {
    /// `⟨a,b⟩ / max(‖a‖·‖b‖, ε)` (SimilarityReward-1; PyTorch's former implementation and the
    /// `nn.CosineSimilarity` docstring). The default.
    case product
    /// `⟨a,b⟩ / (max(‖a‖,ε)·max(‖b‖,ε))` (SimilarityReward-2; PyTorch's current `F.cosine_similarity`).
    case separate
}

/// Conventions of the similarity rewards: the cosine's ε guard and the Monte-Carlo variance
/// estimator (Specs/SimilarityReward.md, "Conventions and presets"). The seeds give no values; the
/// defaults are PyTorch's ε and the population variance.
public struct SimilarityRewardConfiguration: Sendable, Equatable {
    /// ε > 0, the denominator guard of the cosine.
    public var eps: Double
    public var epsMode: CosineEpsilonMode
    /// Divisor K (population) or K − 1 (unbiased) of the draws' variance.
    public var varianceEstimator: VarianceEstimator

    public init(eps: Double = 1e-8, epsMode: CosineEpsilonMode = .product, varianceEstimator: VarianceEstimator = .population) {
        self.eps = eps
        self.epsMode = epsMode
        self.varianceEstimator = varianceEstimator
    }

    /// ε = 1e-8 in product mode, population variance.
    public static let paper = SimilarityRewardConfiguration()
    /// The presets by their golden-file names.
    public static let presets: [String: SimilarityRewardConfiguration] = ["paper": .paper]

    /// The largest |x| accepted in an embedding or a draw: 1e15 for `Float`, 1e150 for `Double`. Under
    /// it every square, norm, product of norms and dot product fits the type for D, K < 10⁷.
    public static func magnitudeBound<T: Scalar>(for type: T.Type) -> Double {
        T.self == Float.self ? 1e15 : 1e150
    }
}

/// Throws `outOfRange` naming `argument` at the first element with |x| above the magnitude bound of `T`.
func requireWithinMagnitudeBound<T: Scalar>(_ x: Tensor<T>, _ argument: String) throws {
    let bound = SimilarityRewardConfiguration.magnitudeBound(for: T.self)
    if let i = x.elements.firstIndex(where: { abs($0.doubleValue) > bound }) {
        throw InputError.outOfRange(argument: argument, value: x.elements[i].doubleValue, range: "[-\(bound), \(bound)]")
    }
}

/// Throws `shapeMismatch` unless `x` is a matrix [N, M]; `[]` (rank 1 with no element) is read as a
/// batch of N = 0 rows and passes, to be reported as `empty`.
func requireMatrix<T: Scalar>(_ x: Tensor<T>, _ argument: String) throws {
    guard x.rank == 2 || (x.rank == 1 && x.count == 0) else {
        throw InputError.shapeMismatch(argument: argument, expected: [-1, -1], actual: x.shape)
    }
}
