/// An exact fraction `numerator / denominator` of 64-bit integers, always in lowest terms with a
/// positive denominator, so two equal values have equal fields. Every operation checks for overflow
/// and reports it as `nil` instead of trapping or wrapping (Specs/GymCards.md GymCards-3).
public struct Rational: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let numerator: Int
    public let denominator: Int

    /// The integer `value`.
    public init(_ value: Int) {
        numerator = value
        denominator = 1
    }

    /// `numerator / denominator` reduced; nil when `denominator` is zero or a sign flip overflows.
    public init?(numerator: Int, denominator: Int) {
        guard denominator != 0 else { return nil }
        let divisor = Rational.gcd(numerator.magnitude, denominator.magnitude)
        var n = numerator / Int(bitPattern: UInt(divisor))
        var d = denominator / Int(bitPattern: UInt(divisor))
        if d < 0 {
            let (negatedN, o1) = (0).subtractingReportingOverflow(n)
            let (negatedD, o2) = (0).subtractingReportingOverflow(d)
            guard !o1, !o2 else { return nil }
            (n, d) = (negatedN, negatedD)
        }
        self.numerator = n
        self.denominator = d
    }

    private static func gcd(_ a: UInt, _ b: UInt) -> UInt {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x == 0 ? 1 : x
    }

    public var isInteger: Bool { denominator == 1 }
    public var isZero: Bool { numerator == 0 }
    public var description: String { isInteger ? "\(numerator)" : "\(numerator)/\(denominator)" }

    /// `self + other`, nil on overflow.
    public func adding(_ other: Rational) -> Rational? {
        guard let (a, b) = crossProducts(other) else { return nil }
        let (sum, o) = a.addingReportingOverflow(b)
        guard !o, let d = commonDenominator(other) else { return nil }
        return Rational(numerator: sum, denominator: d)
    }

    /// `self − other`, nil on overflow.
    public func subtracting(_ other: Rational) -> Rational? {
        guard let (a, b) = crossProducts(other) else { return nil }
        let (difference, o) = a.subtractingReportingOverflow(b)
        guard !o, let d = commonDenominator(other) else { return nil }
        return Rational(numerator: difference, denominator: d)
    }

    /// `self · other`, nil on overflow.
    public func multiplied(by other: Rational) -> Rational? {
        let (n, o1) = numerator.multipliedReportingOverflow(by: other.numerator)
        let (d, o2) = denominator.multipliedReportingOverflow(by: other.denominator)
        guard !o1, !o2 else { return nil }
        return Rational(numerator: n, denominator: d)
    }

    /// `self / other`; the caller checks `other.isZero` first (nil is also returned then, and on overflow).
    public func divided(by other: Rational) -> Rational? {
        guard !other.isZero else { return nil }
        let (n, o1) = numerator.multipliedReportingOverflow(by: other.denominator)
        let (d, o2) = denominator.multipliedReportingOverflow(by: other.numerator)
        guard !o1, !o2 else { return nil }
        return Rational(numerator: n, denominator: d)
    }

    private func crossProducts(_ other: Rational) -> (Int, Int)? {
        let (a, o1) = numerator.multipliedReportingOverflow(by: other.denominator)
        let (b, o2) = other.numerator.multipliedReportingOverflow(by: denominator)
        return o1 || o2 ? nil : (a, b)
    }

    private func commonDenominator(_ other: Rational) -> Int? {
        let (d, o) = denominator.multipliedReportingOverflow(by: other.denominator)
        return o ? nil : d
    }
}
