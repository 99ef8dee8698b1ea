import Foundation

/// A portable, seeded pseudo-random generator: xoshiro256** (Blackman & Vigna, 2018) whose 256-bit
/// state is filled from the 64-bit seed by SplitMix64 (Steele, Lea & Flood, 2014).
///
/// The algorithm is fixed and uses only 64-bit integer arithmetic, so a seed gives the same stream on
/// every platform and Swift version (unlike `SystemRandomNumberGenerator`, and unlike the
/// standard library's `random(in:using:)` helpers, whose mapping from bits to values is not
/// documented as stable). Use the methods below, not the standard library helpers, for numbers that
/// must be reproducible. Not for cryptography. A value type: copy it to fork a stream.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    private var s0, s1, s2, s3: UInt64

    /// A generator whose stream is determined by `seed`.
    public init(seed: UInt64) {
        var sm = seed
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// The 256-bit state, to save with a checkpoint; `init(state:)` restores the stream exactly.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// A generator continuing exactly where the one whose `state` this is stopped.
    /// - Throws: `InputError.invalidArgument` unless `state` holds four words, not all zero.
    public init(state: [UInt64]) throws {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else {
            throw InputError.invalidArgument(argument: "rng state", reason: "needs four 64-bit words, not all zero")
        }
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform double in [0, 1): the top 53 bits of `next()` times 2⁻⁵³.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in 0..<upperBound by rejection sampling on the top bits (no modulo bias).
    /// `upperBound` must be positive.
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "nextInt(below:) needs a positive bound")
        let bound = UInt64(upperBound)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let x = next()
            if x < limit { return Int(x % bound) }
        }
    }

    /// A standard normal draw by the Box–Muller transform of two uniforms (u1 in (0, 1]).
    public mutating func nextNormal() -> Double {
        let u1 = 1.0 - nextUniform()
        let u2 = nextUniform()
        return (-2.0 * Foundation.log(u1)).squareRoot() * Foundation.cos(2.0 * .pi * u2)
    }
}
