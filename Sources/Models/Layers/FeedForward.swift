import Tensor

/// Llama's SwiGLU MLP (Specs/Model.md Model-9): y = W_down·(silu(W_gate·x) ⊙ W_up·x).
/// Shapes: x [N, D] → y [N, D]; gate and up [I, D], down [D, I].
public struct SwiGLU<T: Scalar>: Sendable {
    public var gate: Linear<T>
    public var up: Linear<T>
    public var down: Linear<T>

    public init(gate: Linear<T>, up: Linear<T>, down: Linear<T>) {
        self.gate = gate; self.up = up; self.down = down
    }

    public struct Cache: Sendable {
        var gate, up, down: Linear<T>.Cache
        var gateOutput, upOutput: Tensor<T>
    }

    /// The output and the cache come from `pool`.
    @_specialize(where T == Float)
    public func forward(_ x: Tensor<T>, context: inout ForwardContext, pool: TensorPool<T> = TensorPool()) -> (Tensor<T>, Cache) {
        let (g, gCache) = gate.forward(x, context: &context, pool: pool)
        let (u, uCache) = up.forward(x, context: &context, pool: pool)
        let hidden = g.zipMap(u, pool: pool) { Activation.silu.value($0) * $1 }
        let (y, dCache) = down.forward(hidden, context: &context, pool: pool)
        return (y, Cache(gate: gCache, up: uCache, down: dCache, gateOutput: g, upOutput: u))
    }

    /// ∂L/∂x and the temporaries come from `pool`.
    @_specialize(where T == Float)
    public mutating func backward(_ dy: Tensor<T>, cache: Cache, pool: TensorPool<T> = TensorPool()) -> Tensor<T> {
        let dHidden = down.backward(dy, cache: cache.down, pool: pool)!
        var dGate = pool.makeTensor(shape: dHidden.shape), dUp = pool.makeTensor(shape: dHidden.shape)
        for i in dHidden.elements.indices {
            let g = cache.gateOutput.elements[i]
            dGate.elements[i] = dHidden.elements[i] * cache.upOutput.elements[i] * Activation.silu.derivative(g)
            dUp.elements[i] = dHidden.elements[i] * Activation.silu.value(g)
        }
        let dxGate = gate.backward(pool.keep(dGate), cache: cache.gate, pool: pool)!
        return dxGate.zipMap(up.backward(pool.keep(dUp), cache: cache.up, pool: pool)!, pool: pool, +)
    }
}

/// Two linear layers with an activation between (Specs/Model.md Model-10, Model-14): CLIP's MLP
/// (fc1 → quick-GELU → fc2) and LLaVA's projector (linear_1 → GELU → linear_2).
/// Shapes: x [N, D_in] → [N, D_out].
public struct TwoLayerPerceptron<T: Scalar>: Sendable {
    public var first: Linear<T>
    public var second: Linear<T>
    public var activation: Activation

    public init(first: Linear<T>, second: Linear<T>, activation: Activation) {
        self.first = first; self.second = second; self.activation = activation
    }

    public struct Cache: Sendable {
        var first, second: Linear<T>.Cache
        var preActivation: Tensor<T>
    }

    /// The output and the cache come from `pool`.
    @_specialize(where T == Float)
    public func forward(_ x: Tensor<T>, context: inout ForwardContext, pool: TensorPool<T> = TensorPool()) -> (Tensor<T>, Cache) {
        let (h, c1) = first.forward(x, context: &context, pool: pool)
        let (y, c2) = second.forward(activation.apply(h, pool: pool), context: &context, pool: pool)
        return (y, Cache(first: c1, second: c2, preActivation: h))
    }

    /// ∂L/∂x and the temporaries come from `pool`.
    @_specialize(where T == Float)
    public mutating func backward(_ dy: Tensor<T>, cache: Cache, needsInputGradient: Bool = true,
                                  pool: TensorPool<T> = TensorPool()) -> Tensor<T>? {
        let dA = second.backward(dy, cache: cache.second, pool: pool)!
        return first.backward(activation.backward(dA, input: cache.preActivation, pool: pool), cache: cache.first,
                              needsInputGradient: needsInputGradient, pool: pool)
    }
}
