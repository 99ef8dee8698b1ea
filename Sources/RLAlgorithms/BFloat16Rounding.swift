/// `x` rounded to the nearest bfloat16 value (1 sign, 8 exponent, 7 fraction bits), ties to even.
///
/// With x = f·2^e, f ∈ [1, 2), the spacing is q = 2^(max(e, −126) − 7) (8 significant bits; below
/// 2^−126 the fixed subnormal spacing 2^−133) and the result is q·rne(x/q); a result above
/// (2 − 2^−7)·2^127 in magnitude becomes ±inf. Zero, infinities and NaN are returned unchanged.
/// One rounding from the exact Double value (Specs/CoTLogProb.md, Definition 4).
public func bfloat16Rounded(_ x: Double) -> Double {
    guard x != 0, x.isFinite else { return x }
    let spacing = Double(sign: .plus, exponent: max(Int(x.exponent), -126) - 7, significand: 1)
    let rounded = (x / spacing).rounded(.toNearestOrEven) * spacing
    let largest = (2 - 0x1p-7) * 0x1p127
    return abs(rounded) > largest ? (rounded < 0 ? -.infinity : .infinity) : rounded
}
