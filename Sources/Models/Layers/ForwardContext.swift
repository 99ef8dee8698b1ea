import Tensor

/// Whether a forward pass trains (dropout active) and the seeded stream its dropout masks come from.
public struct ForwardContext: Sendable {
    public var isTraining: Bool
    public var generator: SeededGenerator

    public init(training: Bool = false, generator: SeededGenerator = SeededGenerator(seed: 0)) {
        self.isTraining = training
        self.generator = generator
    }

    /// Evaluation: no dropout.
    public static var evaluation: ForwardContext { ForwardContext() }

    /// Inverted-dropout multipliers: 0 with probability p, else 1/(1−p).
    mutating func dropoutMask<T: Scalar>(count: Int, probability p: Double, as: T.Type) -> [T] {
        let keep = T(1 / (1 - p))
        return (0..<count).map { _ in generator.nextUniform() < p ? 0 : keep }
    }
}
