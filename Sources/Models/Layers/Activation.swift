import Tensor

/// Element-wise activations by their Hugging Face names (Specs/Model.md Model-8).
public enum Activation: String, Sendable, CaseIterable {
    /// x·Φ(x) with the exact normal CDF: 0.5·x·(1 + erf(x/√2)).
    case gelu
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    case geluTanh = "gelu_pytorch_tanh"
    /// x·σ(1.702·x) (CLIP).
    case quickGelu = "quick_gelu"
    /// x·σ(x) (Llama's SwiGLU gate).
    case silu
    /// max(0, x); subgradient 0 at x = 0.
    case relu
    case tanh

    /// f(x).
    @_specialize(where T == Float)
    @inlinable public func value<T: Scalar>(_ x: T) -> T {
        switch self {
        case .gelu: return T(0.5) * x * (1 + T.erf(x * T(0.7071067811865476)))
        case .geluTanh:
            let u = T(0.7978845608028654) * (x + T(0.044715) * x * x * x)
            return T(0.5) * x * (1 + T.tanh(u))
        case .quickGelu: return x * Activation.sigmoid(T(1.702) * x)
        case .silu: return x * Activation.sigmoid(x)
        case .relu: return x > 0 ? x : 0
        case .tanh: return T.tanh(x)
        }
    }

    /// f′(x).
    @_specialize(where T == Float)
    @inlinable public func derivative<T: Scalar>(_ x: T) -> T {
        switch self {
        case .gelu:
            let cdf = T(0.5) * (1 + T.erf(x * T(0.7071067811865476)))
            return cdf + x * T.exp(-x * x / 2) * T(0.3989422804014327)
        case .geluTanh:
            let c = T(0.7978845608028654)
            let u = c * (x + T(0.044715) * x * x * x)
            let t = T.tanh(u)
            return T(0.5) * (1 + t) + T(0.5) * x * (1 - t * t) * c * (1 + 3 * T(0.044715) * x * x)
        case .quickGelu:
            let s = Activation.sigmoid(T(1.702) * x)
            return s + T(1.702) * x * s * (1 - s)
        case .silu:
            let s = Activation.sigmoid(x)
            return s * (1 + x * (1 - s))
        case .relu: return x > 0 ? 1 : 0
        case .tanh:
            let t = T.tanh(x)
            return 1 - t * t
        }
    }

    /// 1/(1 + e^(−x)), without overflow for large |x|.
    @_specialize(where T == Float)
    @inlinable static func sigmoid<T: Scalar>(_ x: T) -> T {
        if x >= 0 { return 1 / (1 + T.exp(-x)) }
        let e = T.exp(x)
        return e / (1 + e)
    }

    /// f applied to every element (a tensor from `pool`).
    @_specialize(where T == Float)
    @inlinable public func apply<T: Scalar>(_ x: Tensor<T>, pool: TensorPool<T> = TensorPool()) -> Tensor<T> {
        x.map(pool: pool) { value($0) }
    }

    /// dy ⊙ f′(x) (a tensor from `pool`).
    @_specialize(where T == Float)
    @inlinable public func backward<T: Scalar>(_ dy: Tensor<T>, input x: Tensor<T>, pool: TensorPool<T> = TensorPool()) -> Tensor<T> {
        dy.zipMap(x, pool: pool) { g, v in g * derivative(v) }
    }
}
