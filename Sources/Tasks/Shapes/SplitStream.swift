import Tensor

/// The seeded stream a data set split draws from (Specs/ShapesTasks.md, Sampling, Splits): a
/// `SeededGenerator` seeded with `seed &+ split.streamOffset`, and a content rule that keeps the splits
/// disjoint: a candidate whose content key hashes (FNV-1a, 64 bits) to a bucket `mod 10` outside the
/// split's buckets (train 0–7, validation 8, test 9) is discarded and redrawn.
public struct SplitStream: Sendable {
    public let split: DataSplit
    public let seed: UInt64
    /// The generator candidates are drawn with.
    public var generator: SeededGenerator
    /// How many items `draw` has returned.
    public private(set) var index = 0

    public init(split: DataSplit, seed: UInt64) {
        self.split = split
        self.seed = seed
        generator = SeededGenerator(seed: seed &+ split.streamOffset)
    }

    /// The split a content key belongs to.
    public static func split(ofKey key: String) -> DataSplit {
        switch fnv1a64(key) % 10 {
        case 8: .validation
        case 9: .test
        default: .train
        }
    }

    /// FNV-1a over the key's UTF-8 bytes.
    public static func fnv1a64(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }

    /// Draws candidates with `make` until one's `key` belongs to this split, and returns it.
    public mutating func draw<Item>(key: (Item) -> String, make: (inout SeededGenerator) -> Item) -> Item {
        while true {
            let candidate = make(&generator)
            if Self.split(ofKey: key(candidate)) == split {
                index += 1
                return candidate
            }
        }
    }
}
