import RLAlgorithms
import Tensor
import Verification

extension GoldenInputs {
    /// A number that may be explicitly `null`: the key's value when present (nil for `null`), else
    /// `value`. An explicit `null` thus removes a preset's option (Specs/PPOPolicyLoss.md, Definition 1).
    func nullableNumber(_ key: String, default value: Double?) throws -> Double? {
        object[key] == nil ? value : try number(key)
    }

    /// The `aggregation` mode (PPOPolicyLoss-4 names) and its `empty_rows` and `row_count_epsilon`
    /// conventions, each over `value`'s (a preset's) when its key is absent; an explicit `null`
    /// `row_count_epsilon` removes the preset's ε. `constant_normalizer` needs `normalizer`
    /// (`missingInput` otherwise); its value and ε are checked later by the configuration's
    /// `validate()`, so that the Specs' error order holds.
    func aggregation(default value: LossAggregation) throws -> LossAggregation {
        var a = value
        if let name = try string("aggregation") {
            if name == "constant_normalizer" {
                guard let normalizer = try number("normalizer") else { throw InputError.missingInput(argument: "normalizer") }
                a.mode = .constantNormalizer(normalizer)
            } else {
                a.mode = try LossAggregation(name: name, normalizer: nil).mode
            }
        }
        a.emptyRows = try convention("empty_rows", default: a.emptyRows)
        a.rowCountEpsilon = try nullableNumber("row_count_epsilon", default: a.rowCountEpsilon)
        return a
    }

    /// The clip parameters of a `ClippedSurrogate` from `clip_epsilon`, `clip_epsilon_low`,
    /// `clip_epsilon_high`, `dual_clip`, `log_ratio_clamp`, over `surrogate` (a preset's).
    func clippedSurrogate(over surrogate: ClippedSurrogate) throws -> ClippedSurrogate {
        var s = surrogate
        s.clipEpsilon = try number("clip_epsilon") ?? s.clipEpsilon
        s.clipEpsilonLow = try nullableNumber("clip_epsilon_low", default: s.clipEpsilonLow)
        s.clipEpsilonHigh = try nullableNumber("clip_epsilon_high", default: s.clipEpsilonHigh)
        s.dualClip = try nullableNumber("dual_clip", default: s.dualClip)
        s.logRatioClamp = try nullableNumber("log_ratio_clamp", default: s.logRatioClamp)
        return s
    }

    /// Throws `missingInput` for the first of `keys` that is absent or `null`.
    func require(_ keys: String...) throws {
        if let key = keys.first(where: { !contains($0) }) { throw InputError.missingInput(argument: key) }
    }
}

/// The cotangent of the scalar output `name` (0 when absent).
/// - Throws: `shapeMismatch` when the cotangent is not a scalar.
func scalarCotangent(_ cotangents: [String: Tensor<Double>], _ name: String) throws -> Double {
    guard let t = cotangents[name] else { return 0 }
    try requireShape(t, [], "\(name) cotangent")
    return t.elements[0]
}
