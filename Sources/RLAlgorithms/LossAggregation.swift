import Tensor

/// How a per-token loss l [B,T] with a 0/1 mask m [B,T] is reduced to one number (Specs/PPOPolicyLoss.md
/// PPOPolicyLoss-4; the same names are used by ValueLoss, PPOLoss, KLPenalty and GRPO): a mode and the
/// two denominator conventions that tell the frameworks apart on rows with no valid token.
///
/// Masked entries contribute exactly 0, even when they hold NaN or infinities. Every mode is linear
/// in l: `aggregate(l) = Σ_{m=1} w·l` with the weights `weights(mask:)`.
public struct LossAggregation: Sendable, Equatable {
    /// The reduction.
    public enum Mode: Sendable, Equatable {
        /// Σ l·m / max(Σ m, 1): every valid token of the batch weighs the same (TRL `bnpo`, verl and
        /// OpenRLHF default).
        case tokenMean
        /// (1/B) Σ_b [Σ_t l·m / max(Σ_t m, 1)]: every sequence weighs the same (original GRPO; TRL `grpo`,
        /// verl `seq-mean-token-mean`).
        case sequenceMeanOfTokenMeans
        /// (1/B) Σ_b Σ_t l·m (verl `seq-mean-token-sum`).
        case sequenceMeanOfTokenSums
        /// Σ l·m / (B·L) with a constant L such as the maximum completion length (Dr. GRPO; TRL `dr_grpo`,
        /// verl `seq-mean-token-sum-norm`).
        case constantNormalizer(Double)
    }

    /// What the row count B of the sequence modes counts (PPOPolicyLoss-4, `empty_rows`).
    public enum EmptyRows: String, Sendable, CaseIterable {
        /// Every row, empty or not (TRL: `grpo`, `dr_grpo`, `luspo` divide by the batch size). The default.
        case count
        /// Only rows with at least one valid token (verl `agg_loss`, OpenRLHF `aggregate_loss`).
        case exclude
    }

    public var mode: Mode
    /// Read by the sequence modes only.
    public var emptyRows: EmptyRows
    /// ε > 0 added to each row's token count in `seq_mean_token_mean` (verl `agg_loss` and OpenRLHF
    /// `aggregate_loss` use 1e-8); nil: the count is clamped to at least 1 (TRL).
    public var rowCountEpsilon: Double?

    public init(_ mode: Mode, emptyRows: EmptyRows = .count, rowCountEpsilon: Double? = nil) {
        self.mode = mode
        self.emptyRows = emptyRows
        self.rowCountEpsilon = rowCountEpsilon
    }

    public static let tokenMean = LossAggregation(.tokenMean)
    public static let sequenceMeanOfTokenMeans = LossAggregation(.sequenceMeanOfTokenMeans)
    public static let sequenceMeanOfTokenSums = LossAggregation(.sequenceMeanOfTokenSums)
    public static func constantNormalizer(_ normalizer: Double) -> LossAggregation {
        LossAggregation(.constantNormalizer(normalizer))
    }
    /// The denominators of verl's `agg_loss` and OpenRLHF's `aggregate_loss` with this mode: empty rows
    /// excluded from B, 1e-8 added to each row's token count.
    public var withFrameworkDenominators: LossAggregation {
        LossAggregation(mode, emptyRows: .exclude, rowCountEpsilon: 1e-8)
    }

    /// The golden-file name of the mode.
    public var name: String {
        switch mode {
        case .tokenMean: "token_mean"
        case .sequenceMeanOfTokenMeans: "seq_mean_token_mean"
        case .sequenceMeanOfTokenSums: "seq_mean_token_sum"
        case .constantNormalizer: "constant_normalizer"
        }
    }

    /// The mode named `name` (`normalizer` is read for `constant_normalizer` only), default conventions.
    /// - Throws: `invalidArgument` for an unknown name; `missingInput` when `constant_normalizer` has
    ///   no normalizer; `nonFinite` / `outOfRange` for a normalizer that is not a positive number.
    public init(name: String, normalizer: Double?, argument: String = "aggregation") throws {
        switch name {
        case "token_mean": self = .tokenMean
        case "seq_mean_token_mean": self = .sequenceMeanOfTokenMeans
        case "seq_mean_token_sum": self = .sequenceMeanOfTokenSums
        case "constant_normalizer":
            guard let normalizer else { throw InputError.missingInput(argument: "normalizer") }
            guard normalizer.isFinite else { throw InputError.nonFinite(argument: "normalizer", index: []) }
            guard normalizer > 0 else { throw InputError.outOfRange(argument: "normalizer", value: normalizer, range: "(0, inf)") }
            self = .constantNormalizer(normalizer)
        default:
            throw InputError.invalidArgument(
                argument: argument,
                reason: "unknown value \(name.sanitizedForMessage()); allowed: \"token_mean\", \"seq_mean_token_mean\", \"seq_mean_token_sum\", \"constant_normalizer\"")
        }
    }

    /// ∂aggregate/∂l: the weight of each entry (0 where the mask is 0). `mask` is [B,T] of 0/1.
    @_specialize(where T == Float)
    public func weights<T: Scalar>(mask: Tensor<T>) -> Tensor<T> {
        precondition(mask.rank == 2, "aggregation needs a [B, T] mask, got \(mask.shape)")
        let (rows, columns) = (mask.shape[0], mask.shape[1])
        var w = Tensor<T>(shape: mask.shape)
        guard rows > 0 else { return w }
        var counts = [T](repeating: 0, count: rows)
        for r in 0..<rows { for t in 0..<columns { counts[r] += mask[r, t] } }
        let countedRows = emptyRows == .count ? rows : counts.filter { $0 > 0 }.count
        let b = T(max(countedRows, 1))
        switch mode {
        case .tokenMean:
            let n = max(counts.reduce(0, +), 1)
            for i in w.elements.indices where mask.elements[i] != 0 { w.elements[i] = 1 / n }
        case .sequenceMeanOfTokenMeans:
            for r in 0..<rows {
                let n = rowCountEpsilon.map { counts[r] + T($0) } ?? max(counts[r], 1)
                for t in 0..<columns where mask[r, t] != 0 { w[r, t] = 1 / (n * b) }
            }
        case .sequenceMeanOfTokenSums:
            for i in w.elements.indices where mask.elements[i] != 0 { w.elements[i] = 1 / b }
        case .constantNormalizer(let l):
            for i in w.elements.indices where mask.elements[i] != 0 { w.elements[i] = 1 / (b * T(l)) }
        }
        return w
    }

    /// The aggregated loss Σ_{m=1} w·l.
    @_specialize(where T == Float)
    public func aggregate<T: Scalar>(_ loss: Tensor<T>, mask: Tensor<T>) -> T {
        precondition(loss.shape == mask.shape, "loss \(loss.shape) and mask \(mask.shape) differ")
        let w = weights(mask: mask)
        var total: T = 0
        for i in loss.elements.indices where mask.elements[i] != 0 { total += w.elements[i] * loss.elements[i] }
        return total
    }
}
