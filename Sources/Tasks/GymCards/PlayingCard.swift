import Tensor

/// A playing card's suit; drawn as its initial (red for diamonds and hearts).
public enum Suit: String, CaseIterable, Sendable {
    case clubs = "C", diamonds = "D", hearts = "H", spades = "S"

    /// The letter drawn on the card.
    public var letter: String { rawValue }
    public var isRed: Bool { self == .diamonds || self == .hearts }
}

/// A playing card: rank 1 (ace) … 13 (king) and a suit (Specs/GymCards.md "Deals").
public struct PlayingCard: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// 1 = ace, 2…10, 11 = jack, 12 = queen, 13 = king.
    public let rank: Int
    public let suit: Suit

    /// - Throws: `InputError.outOfRange` unless `rank` is in 1…13.
    public init(rank: Int, suit: Suit) throws {
        guard (1...13).contains(rank) else {
            throw InputError.outOfRange(argument: "rank", value: Double(rank), range: "[1, 13]")
        }
        self.rank = rank
        self.suit = suit
    }

    /// For ranks known to be valid (the environments' own draws).
    init(validRank: Int, suit: Suit) {
        self.rank = validRank
        self.suit = suit
    }

    /// The rank as printed on the card: `A`, `2` … `10`, `J`, `Q`, `K`.
    public var rankLabel: String {
        switch rank {
        case 1: "A"
        case 11: "J"
        case 12: "Q"
        case 13: "K"
        default: String(rank)
        }
    }

    /// The card's number in the points games and Blackjack: the rank, with J, Q, K counting 10.
    public var valueCountingFacesAsTen: Int { min(rank, 10) }

    /// E.g. `QH`, `10S`.
    public var description: String { rankLabel + suit.letter }

    /// A uniformly drawn suit.
    static func randomSuit(_ generator: inout SeededGenerator) -> Suit {
        Suit.allCases[generator.nextInt(below: Suit.allCases.count)]
    }
}
