/// The four GymCards games of seed 002 (Specs/GymCards.md).
public enum GymCardsTask: String, CaseIterable, Sendable {
    case numberLine = "numberline"
    case ezPoints = "ezpoints"
    case points24 = "points24"
    case blackjack = "blackjack"

    /// The name `rlref render` and `rlref train` use: `gymcards-numberline`, ….
    public var commandName: String { "gymcards-" + rawValue }

    /// The task for a command name (`gymcards-points24`) or a bare name (`points24`); nil otherwise.
    public init?(commandName: String) {
        let bare = commandName.hasPrefix("gymcards-") ? String(commandName.dropFirst("gymcards-".count)) : commandName
        self.init(rawValue: bare)
    }

    /// A fresh environment with the original's default settings (call `reset` before stepping).
    public func makeEnvironment() -> any CardEnvironment {
        switch self {
        case .numberLine: NumberLineEnvironment()
        case .ezPoints: PointsEnvironment(rules: .ezPoints)
        case .points24: PointsEnvironment(rules: .points24)
        case .blackjack: BlackjackEnvironment()
        }
    }

    /// The original environment's action strings in index order.
    public var legalActions: [String] { makeEnvironment().legalActions }
}
