import Foundation
import Tensor

/// Rotary position embedding in the Hugging Face (Llama) layout (Specs/Model.md Model-6).
///
/// For head dimension d, frequencies f_i = θ^(−2i/d), i < d/2, and angle a = p·f_{i mod d/2}:
/// y = x ⊙ cos(a) + rotate_half(x) ⊙ sin(a) with rotate_half([x₁, x₂]) = [−x₂, x₁] (halves, not
/// interleaved pairs). Applied to every head of a [N, H·d] activation with one position per row.
public struct RotaryEmbedding: Sendable, Equatable {
    /// Precision of the cos/sin tables. `.native` computes them in Double and rounds once to the
    /// model's scalar; `.float32` reproduces transformers, which builds them in float32 whatever
    /// the model's dtype (a named compatibility option; see the Spec's float32 list).
    public enum TablePrecision: String, Sendable { case native, float32 }

    public var theta: Double
    public var headDimension: Int
    public var tablePrecision: TablePrecision

    public init(theta: Double, headDimension: Int, tablePrecision: TablePrecision = .native) {
        precondition(headDimension % 2 == 0, "rotary embedding needs an even head dimension")
        self.theta = theta
        self.headDimension = headDimension
        self.tablePrecision = tablePrecision
    }

    /// cos and sin tables [N, d] for the positions of N rows.
    @_specialize(where T == Float)
    public func tables<T: Scalar>(positions: [Int], as: T.Type) -> (cos: [T], sin: [T]) {
        let d = headDimension, half = d / 2
        var cosTable = [T](repeating: 0, count: positions.count * d)
        var sinTable = cosTable
        for (row, p) in positions.enumerated() {
            for i in 0..<half {
                let c: T, s: T
                switch tablePrecision {
                case .native:
                    let angle = Double(p) * Foundation.pow(theta, -Double(2 * i) / Double(d))
                    (c, s) = (T(Foundation.cos(angle)), T(Foundation.sin(angle)))
                case .float32:
                    let inverse = 1 / Foundation.powf(Float(theta), Float(2 * i) / Float(d))
                    let angle = inverse * Float(p)
                    (c, s) = (T(Foundation.cosf(angle)), T(Foundation.sinf(angle)))
                }
                cosTable[row * d + i] = c; cosTable[row * d + i + half] = c
                sinTable[row * d + i] = s; sinTable[row * d + i + half] = s
            }
        }
        return (cosTable, sinTable)
    }

    /// Rotates every head of x [N, H·d] in place by the tables of its row.
    @_specialize(where T == Float)
    public func apply<T: Scalar>(_ x: inout Tensor<T>, cos: [T], sin: [T]) {
        rotate(&x, cos: cos, sin: sin, inverse: false)
    }

    /// The vector–Jacobian product: the rotation is orthogonal, so dx = Rᵀ·dy (rotation by −a).
    @_specialize(where T == Float)
    public func backward<T: Scalar>(_ dy: inout Tensor<T>, cos: [T], sin: [T]) {
        rotate(&dy, cos: cos, sin: sin, inverse: true)
    }

    /// `apply` (or, with `inverse`, `backward`) on a copy of x from `pool`, leaving x as it is.
    @_specialize(where T == Float)
    public func rotated<T: Scalar>(_ x: Tensor<T>, cos: [T], sin: [T], inverse: Bool = false, pool: TensorPool<T>) -> Tensor<T> {
        var y = pool.makeTensor(shape: x.shape)
        for i in y.elements.indices { y.elements[i] = x.elements[i] }
        rotate(&y, cos: cos, sin: sin, inverse: inverse)
        return pool.keep(y)
    }

    private func rotate<T: Scalar>(_ x: inout Tensor<T>, cos: [T], sin: [T], inverse: Bool) {
        let d = headDimension, half = d / 2
        let width = x.shape[1]
        precondition(width % d == 0 && cos.count == x.shape[0] * d, "rotary: input \(x.shape), head dimension \(d)")
        let sign: T = inverse ? -1 : 1
        for row in 0..<x.shape[0] {
            for head in 0..<(width / d) {
                let base = row * width + head * d
                for i in 0..<half {
                    let x1 = x.elements[base + i], x2 = x.elements[base + i + half]
                    let c = cos[row * d + i], s = sign * sin[row * d + i]
                    x.elements[base + i] = x1 * c - x2 * s
                    x.elements[base + i + half] = x2 * c + x1 * s
                }
            }
        }
    }
}
