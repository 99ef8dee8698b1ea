/// Blackjack hand arithmetic (Specs/GymCards.md GymCards-5; original `blackjack.py`: `usable_ace`,
/// `sum_hand`, `is_bust`, `score`, `is_natural`). Aces count 1, or 11 for one ace when that keeps the
/// total at most 21 (a "soft" total); J, Q, K count 10.
public struct BlackjackHand: Equatable, Sendable {
    public var cards: [PlayingCard]

    public init(_ cards: [PlayingCard]) { self.cards = cards }

    /// The sum with every ace counted as 1.
    public var hardTotal: Int { cards.reduce(0) { $0 + $1.valueCountingFacesAsTen } }

    /// An ace can count 11 without busting: `1 ∈ hand ∧ hard + 10 ≤ 21` (GymCards-5).
    public var hasUsableAce: Bool { cards.contains { $0.rank == 1 } && hardTotal + 10 <= 21 }

    /// `hard + 10` with a usable ace, else `hard` (GymCards-5).
    public var total: Int { hasUsableAce ? hardTotal + 10 : hardTotal }

    public var isBust: Bool { total > 21 }

    /// The total, or 0 for a bust hand (GymCards-5).
    public var score: Int { isBust ? 0 : total }

    /// Exactly two cards, an ace and a ten-valued card (GymCards-5).
    public var isNatural: Bool {
        cards.count == 2 && cards.map(\.valueCountingFacesAsTen).sorted() == [1, 10]
    }
}
