import Tensor

/// How Blackjack recognises a natural (Specs/GymCards.md GymCards-6).
public enum BlackjackNaturalRule: String, Sendable, CaseIterable {
    /// An ace and a ten-valued card as the first two cards (gymnasium's intent).
    case gymnasium
    /// Never: the original's `is_natural` compares (value, face, suit) tuples with `[1, 10]`, which is
    /// never true, so its `natural` and `sab` options change nothing.
    case rl4vlm
}

/// Blackjack against a dealer who stands on 17 with an infinite deck (Specs/GymCards.md GymCards-5, GymCards-6;
/// original `gym_cards/envs/blackjack.py`, `BlackjackEnv`, which follows gymnasium's Blackjack-v1).
public struct BlackjackEnvironment: CardEnvironment {
    public let task = GymCardsTask.blackjack
    /// Action 0 `stand` (the original's "stick"), 1 `hit`.
    public let legalActions = ["stand", "hit"]
    /// Pay 1.5 for a winning natural (gymnasium's `natural`; default false as in the original).
    public var naturalPays1point5 = false
    /// Sutton and Barto's rule: a natural wins (+1) unless the dealer also has one (gymnasium's `sab`;
    /// default false as in the original). Overrides `naturalPays1point5`.
    public var suttonBarto = false
    /// How a natural is recognised when either rule above is on.
    public var naturalRule = BlackjackNaturalRule.gymnasium

    public private(set) var dealer = BlackjackHand([])
    public private(set) var player = BlackjackHand([])
    public private(set) var isEpisodeOver = true
    private var generator = SeededGenerator(seed: 0)
    /// Cards dealt before any drawn from `generator` (tests and golden replays script them).
    private var scriptedDraws: [PlayingCard] = []

    public init() {}

    /// The deck the original draws from with replacement: values 1…9 once and 10 four times; a
    /// 10 is shown as J, Q or K, drawn uniformly, and every card has a uniform suit (Specs/GymCards.md "Deals").
    private mutating func drawCard() -> PlayingCard {
        if !scriptedDraws.isEmpty { return scriptedDraws.removeFirst() }
        let value = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10][generator.nextInt(below: 13)]
        let suit = PlayingCard.randomSuit(&generator)
        let rank = value == 10 ? 11 + generator.nextInt(below: 3) : value
        return PlayingCard(validRank: rank, suit: suit)
    }

    /// Deals two cards to the dealer, then two to the player. The episode's later draws come from a
    /// generator seeded from `generator`.
    public mutating func reset(generator: inout SeededGenerator) -> Observation {
        self.generator = SeededGenerator(seed: generator.next())
        scriptedDraws = []
        dealer = BlackjackHand([drawCard(), drawCard()])
        player = BlackjackHand([drawCard(), drawCard()])
        isEpisodeOver = false
        return observation()
    }

    /// Starts an episode with given hands; `upcoming` cards are drawn first (in order), then cards from
    /// a generator seeded with `seed` (tests, golden replays).
    /// - Throws: `InputError.invalidArgument` unless each hand holds two cards.
    @discardableResult
    public mutating func reset(dealer: [PlayingCard], player: [PlayingCard], upcoming: [PlayingCard] = [],
                               seed: UInt64 = 0) throws -> Observation {
        for (name, hand) in [("dealer", dealer), ("player", player)] where hand.count != 2 {
            throw InputError.invalidArgument(argument: name, reason: "a hand starts with two cards, got \(hand.count)")
        }
        self.dealer = BlackjackHand(dealer)
        self.player = BlackjackHand(player)
        scriptedDraws = upcoming
        generator = SeededGenerator(seed: seed)
        isEpisodeOver = false
        return observation()
    }

    /// GymCards-6: `hit` draws a card (−1 and terminated on a bust, else 0); `stand` lets the dealer
    /// draw while the dealer's total (soft totals counted high) is below 17, then pays
    /// sign(score(player) − score(dealer)), with the natural rules of GymCards-6; terminated.
    public mutating func step(action: Int) throws -> CardStep {
        try validate(action: action, episodeOver: isEpisodeOver)
        var reward: Double = 0
        if action == 1 {
            player.cards.append(drawCard())
            if player.isBust {
                reward = -1
                isEpisodeOver = true
            }
        } else {
            while dealer.total < 17 { dealer.cards.append(drawCard()) }
            let (p, d) = (player.score, dealer.score)
            reward = p > d ? 1 : (p < d ? -1 : 0)
            let rule = naturalRule
            let natural = { (hand: BlackjackHand) in rule == .gymnasium && hand.isNatural }
            if suttonBarto {
                if natural(player) && !natural(dealer) { reward = 1 }
            } else if naturalPays1point5, natural(player), reward == 1 {
                reward = 1.5
            }
            isEpisodeOver = true
        }
        return CardStep(observation: observation(), reward: reward, terminated: isEpisodeOver, truncated: false)
    }

    public func observation() -> Observation {
        Observation(image: render(), prompt: GymCardsPrompts.blackjack)
    }

    /// Basic strategy for hit/stand only, dealer standing on soft 17 (Specs/GymCards.md "Expert
    /// policies"): hard 17+ stand; hard 13–16 stand against 2–6; hard 12 stand against 4–6; hard
    /// 11 or less hit; soft 19+ stand; soft 18 stand against 2–8; soft 17 or less hit.
    public func expertDecision() -> ExpertDecision {
        let up = dealer.cards.first.map { $0.valueCountingFacesAsTen } ?? 10
        let upIsAce = up == 1
        let total = player.total
        let stand: Bool
        if player.hasUsableAce {
            stand = total >= 19 || (total == 18 && !upIsAce && up <= 8)
        } else if total >= 17 {
            stand = true
        } else if total >= 13 {
            stand = !upIsAce && up <= 6
        } else if total == 12 {
            stand = !upIsAce && (4...6).contains(up)
        } else {
            stand = false
        }
        let upText = upIsAce ? "ace" : String(up)
        let totalText = (player.hasUsableAce ? "soft " : "") + String(total)
        return ExpertDecision(action: stand ? 0 : 1, thoughts: "my total \(totalText) dealer \(upText) so \(stand ? "stand" : "hit")")
    }

    /// 96×96 on green: "Dealer" with the up card and a face-down card, "Player" with the player's
    /// cards, five to a row (the original also shows only the dealer's first card, even at the end).
    func render() -> Canvas {
        let size = GymCardsPrompts.imageSize
        var canvas = Canvas(width: size, height: size, background: Canvas.tableGreen)
        let (width, height) = (18, 25)
        _ = canvas.drawText("Dealer", x: 2, y: 1, scale: 1, color: .white)
        if let up = dealer.cards.first {
            canvas.drawCard(up, x: 2, y: 10, width: width, height: height, rankScale: 2, suitScale: 1)
        }
        canvas.drawCardBack(x: 2 + width + 1, y: 10, width: width, height: height)
        _ = canvas.drawText("Player", x: 2, y: 37, scale: 1, color: .white)
        for (i, card) in player.cards.enumerated() {
            canvas.drawCard(card, x: 1 + (i % 5) * (width + 1), y: 45 + (i / 5) * (height + 1), width: width,
                            height: height, rankScale: 2, suitScale: 1)
        }
        return canvas
    }
}
