import Tensor

extension LossAggregation {
    /// Throws `nonFinite` (argument `normalizer`) when the mode is `constant_normalizer` and its
    /// normalizer is NaN or infinite. Lets a configuration report every non-finite parameter before
    /// any out-of-range one, as the Specs' error orders require.
    public func validateFiniteness() throws {
        if case .constantNormalizer(let normalizer) = self, !normalizer.isFinite {
            throw InputError.nonFinite(argument: "normalizer", index: [])
        }
    }

    /// Throws `nonFinite` / `outOfRange` (argument `normalizer`) when the mode is
    /// `constant_normalizer` and its normalizer is not a positive number (the checks of
    /// `init(name:normalizer:)`, for modes built in code or parsed with the check deferred).
    public func validate() throws {
        if case .constantNormalizer(let normalizer) = self {
            _ = try LossAggregation(name: name, normalizer: normalizer)
        }
    }
}
