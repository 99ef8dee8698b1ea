/// The part of a task's data an example or episode comes from. Each split draws from its own seeded
/// stream (`streamOffset`), so train, validation and test never share an example for a given seed.
public enum DataSplit: String, CaseIterable, Sendable {
    case train, validation, test

    /// Added to a run's seed to seed this split's generator.
    public var streamOffset: UInt64 {
        switch self {
        case .train: 0
        case .validation: 1_000_003
        case .test: 2_000_029
        }
    }
}
