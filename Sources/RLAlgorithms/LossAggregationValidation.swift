import Tensor

extension LossAggregation {
    /// Throws `nonFinite` (argument `normalizer`, then `row_count_epsilon`) when the mode is
    /// `constant_normalizer` and its normalizer is NaN or infinite, or the row-count ε is. Lets a
    /// configuration report every non-finite parameter before any out-of-range one, as the Specs'
    /// error orders require.
    public func validateFiniteness() throws {
        if case .constantNormalizer(let normalizer) = mode, !normalizer.isFinite {
            throw InputError.nonFinite(argument: "normalizer", index: [])
        }
        if let rowCountEpsilon, !rowCountEpsilon.isFinite {
            throw InputError.nonFinite(argument: "row_count_epsilon", index: [])
        }
    }

    /// Throws `nonFinite` / `outOfRange` (argument `normalizer`) when the mode is
    /// `constant_normalizer` and its normalizer is not a positive number (the checks of
    /// `init(name:normalizer:)`, for modes built in code or parsed with the check deferred), then the
    /// same for `row_count_epsilon`.
    public func validate() throws {
        if case .constantNormalizer(let normalizer) = mode {
            _ = try LossAggregation(name: name, normalizer: normalizer)
        }
        if let rowCountEpsilon {
            guard rowCountEpsilon.isFinite else { throw InputError.nonFinite(argument: "row_count_epsilon", index: []) }
            guard rowCountEpsilon > 0 else {
                throw InputError.outOfRange(argument: "row_count_epsilon", value: rowCountEpsilon, range: "(0, inf)")
            }
        }
    }
}
