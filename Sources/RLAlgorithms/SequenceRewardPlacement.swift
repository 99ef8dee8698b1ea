import Tensor

/// Where a per-sequence score is placed among a response's tokens (Specs/GAE.md GAE-1).
public enum RewardPlacement: String, Sendable, CaseIterable {
    /// On the last real token of the row (OpenRLHF, verl's reward managers). The default.
    case lastToken = "last_token"
    /// One position after the last real token, which then counts as a real step (TRL PPO, whose
    /// value mask is one token longer than the response mask); on the last real token when the
    /// row has no room after it.
    case afterLastToken = "after_last_token"
}

/// Rewards and mask after placing per-sequence scores, and where each score went.
public struct PlacedRewards<T: Scalar>: Sendable {
    public var rewards: Tensor<T>
    public var mask: Tensor<T>
    /// Column that received row b's score; nil for an all-masked row (its score is dropped).
    public var positions: [Int?]
}

/// Adds `scores[b]` to `rewards[b, t*]` at the position `placement` selects.
///
/// Implements Specs/GAE.md GAE-1. `rewards` and `mask` are [B,T], `scores` is [B]. The gradient with
/// respect to `scores[b]` is the gradient with respect to `rewards[b, positions[b]]`.
public func placeSequenceRewards<T: Scalar>(
    _ scores: Tensor<T>, rewards: Tensor<T>, mask: Tensor<T>, placement: RewardPlacement = .lastToken
) throws -> PlacedRewards<T> {
    guard mask.rank == 2 else {
        throw InputError.invalidArgument(argument: "mask", reason: "must have rank 2 [B, T], got shape \(mask.shape)")
    }
    let (rows, columns) = (mask.shape[0], mask.shape[1])
    try requireShape(scores, [rows], "sequence_rewards")
    try requireFinite(scores, "sequence_rewards")
    try requireShape(rewards, mask.shape, "rewards")
    var out = PlacedRewards(rewards: rewards, mask: mask, positions: Array(repeating: nil, count: rows))
    for b in 0..<rows {
        guard let last = (0..<columns).last(where: { mask[b, $0] != 0 }) else { continue }
        var position = last
        if placement == .afterLastToken, last + 1 < columns {
            position = last + 1
            out.mask[b, position] = 1
        }
        out.rewards[b, position] += scores[b]
        out.positions[b] = position
    }
    return out
}
