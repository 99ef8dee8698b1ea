import Foundation

/// The element types the library computes in: `Float` (training) and `Double` (golden checks and
/// gradient checks). Everything numeric in RLRef is generic over this protocol, so one implementation
/// serves both precisions.
///
/// `BinaryFloatingPoint` has no transcendental functions; this protocol adds the few the algorithms
/// need, plus the BLAS matrix product for the type (see `BLAS.swift`).
public protocol Scalar: BinaryFloatingPoint, Sendable, Codable, LosslessStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    static func exp(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    static func erf(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self

    /// C ← α·op(A)·op(B) + β·C on row-major matrices (see `BLAS.swift` for the contract).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafeBufferPointer<Self>, lda: Int,
        b: UnsafeBufferPointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutableBufferPointer<Self>, ldc: Int)
}

extension Scalar {
    /// The value as a `Double` (exact for `Float` and `Double`).
    @inlinable public var doubleValue: Double { Double(self) }
}

extension Double: Scalar {
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func expm1(_ x: Double) -> Double { Foundation.expm1(x) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
    @inlinable public static func erf(_ x: Double) -> Double { Foundation.erf(x) }
    @inlinable public static func cos(_ x: Double) -> Double { Foundation.cos(x) }
    @inlinable public static func sin(_ x: Double) -> Double { Foundation.sin(x) }
}

extension Float: Scalar {
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
    @inlinable public static func expm1(_ x: Float) -> Float { Foundation.expm1f(x) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.logf(x) }
    @inlinable public static func log1p(_ x: Float) -> Float { Foundation.log1pf(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { Foundation.tanhf(x) }
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { Foundation.powf(x, y) }
    @inlinable public static func erf(_ x: Float) -> Float { Foundation.erff(x) }
    @inlinable public static func cos(_ x: Float) -> Float { Foundation.cosf(x) }
    @inlinable public static func sin(_ x: Float) -> Float { Foundation.sinf(x) }
}
