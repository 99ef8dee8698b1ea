import Tensor
import Verification

/// A framework's spelling of an input key (and of its string values), accepted as written and translated
/// to the Spec's key before parsing (Specs/GRPO.md and Specs/PPOPolicyLoss.md, "Framework vocabulary").
struct FrameworkAlias: Sendable {
    /// The framework's key, e.g. TRL's `loss_type`.
    var key: String
    /// The Spec's key it stands for, e.g. `aggregation`.
    var canonical: String
    /// The framework's string values and the Spec's; nil: the value is passed on unchanged.
    var values: [String: JSONValue]? = nil

    /// TRL `GRPOConfig`: `loss_type`, `max_completion_length`, `beta`, `epsilon_high`, `scale_rewards`.
    /// (TRL's `epsilon`, the clip range, is not accepted: the Spec's `epsilon` is the std stabiliser; use
    /// `clip_epsilon`.)
    static let trl: [FrameworkAlias] = [
        FrameworkAlias(key: "loss_type", canonical: "aggregation", values: [
            "grpo": .string("seq_mean_token_mean"), "bnpo": .string("token_mean"), "dapo": .string("token_mean"),
            "dr_grpo": .string("constant_normalizer"), "luspo": .string("seq_mean_token_sum"),
        ]),
        FrameworkAlias(key: "max_completion_length", canonical: "normalizer"),
        FrameworkAlias(key: "beta", canonical: "kl_coef"),
        FrameworkAlias(key: "epsilon_high", canonical: "clip_epsilon_high"),
        FrameworkAlias(key: "scale_rewards", canonical: "scale"),
    ]

    /// verl's actor config: `loss_agg_mode`, `loss_scale_factor`, `clip_ratio`, `clip_ratio_low`,
    /// `clip_ratio_high`, `clip_ratio_c`.
    static let verl: [FrameworkAlias] = [
        FrameworkAlias(key: "loss_agg_mode", canonical: "aggregation", values: [
            "token-mean": .string("token_mean"), "seq-mean-token-mean": .string("seq_mean_token_mean"),
            "seq-mean-token-sum": .string("seq_mean_token_sum"), "seq-mean-token-sum-norm": .string("constant_normalizer"),
        ]),
        FrameworkAlias(key: "loss_scale_factor", canonical: "normalizer"),
        FrameworkAlias(key: "clip_ratio", canonical: "clip_epsilon"),
        FrameworkAlias(key: "clip_ratio_low", canonical: "clip_epsilon_low"),
        FrameworkAlias(key: "clip_ratio_high", canonical: "clip_epsilon_high"),
        FrameworkAlias(key: "clip_ratio_c", canonical: "dual_clip"),
    ]
}

extension GoldenInputs {
    /// The inputs with every framework key of `aliases` replaced by the Spec's key (and value).
    /// - Throws: `invalidArgument` naming the framework key when the Spec's key is given too, or when a
    ///   string value has no translation.
    func translating(_ aliases: [FrameworkAlias]) throws -> GoldenInputs {
        var object = self.object
        for alias in aliases {
            guard let value = object[alias.key] else { continue }
            guard object[alias.canonical] == nil else {
                throw InputError.invalidArgument(argument: alias.key, reason: "give either \(alias.key) or \(alias.canonical), not both")
            }
            var translated = value
            if let table = alias.values {
                guard case .string(let name) = value, let v = table[name] else {
                    let allowed = table.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
                    throw InputError.invalidArgument(argument: alias.key, reason: "unknown value \(value.serialized()); allowed: \(allowed)")
                }
                translated = v
            }
            object[alias.key] = nil
            object[alias.canonical] = translated
        }
        return GoldenInputs(object, location: location)
    }
}
