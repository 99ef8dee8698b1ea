import Tensor

/// The value head on the decoder's final hidden states (Specs/Model.md Model-15): seed 000's
/// three linear layers with an activation between them (Linear → f → Linear → f → Linear), or a
/// single linear layer. Shapes: hidden [N, D] → values [N].
public struct ValueHead<T: Scalar>: Sendable {
    public var layers: [Linear<T>]
    public var activation: Activation

    public init(layers: [Linear<T>], activation: Activation) {
        precondition(!layers.isEmpty && layers.last!.outputFeatures == 1, "a value head ends in one output")
        self.layers = layers
        self.activation = activation
    }

    /// A fresh head on width `inputWidth`: hidden widths `hiddenWidths` (empty for one linear layer),
    /// weights U(−1/√fan_in, 1/√fan_in) as torch.nn.Linear initialises them, biases likewise.
    public init(inputWidth: Int, hiddenWidths: [Int], activation: Activation, using generator: inout SeededGenerator) {
        var layers: [Linear<T>] = []
        var width = inputWidth
        for out in hiddenWidths + [1] {
            let bound = 1 / Double(width).squareRoot()
            func draw(_ shape: [Int]) -> Tensor<T> {
                var t = Tensor<T>(shape: shape)
                for i in t.elements.indices { t.elements[i] = T((2 * generator.nextUniform() - 1) * bound) }
                return t
            }
            layers.append(Linear(weight: draw([out, width]), bias: draw([out])))
            width = out
        }
        self.init(layers: layers, activation: activation)
    }

    public struct Cache: Sendable {
        var linear: [Linear<T>.Cache]
        var preActivations: [Tensor<T>]
    }

    /// The output and the cache come from `pool`.
    @_specialize(where T == Float)
    public func forward(_ hidden: Tensor<T>, context: inout ForwardContext, pool: TensorPool<T> = TensorPool()) -> (Tensor<T>, Cache) {
        var x = hidden
        var cache = Cache(linear: [], preActivations: [])
        for (index, layer) in layers.enumerated() {
            let (y, c) = layer.forward(x, context: &context, pool: pool)
            cache.linear.append(c)
            if index < layers.count - 1 {
                cache.preActivations.append(y)
                x = activation.apply(y, pool: pool)
            } else {
                x = y
            }
        }
        return (x.reshaped([x.shape[0]]), cache)
    }

    /// Accumulates the head's gradients; returns ∂L/∂hidden (from `pool`).
    @_specialize(where T == Float)
    public mutating func backward(_ dValues: Tensor<T>, cache: Cache, pool: TensorPool<T> = TensorPool()) -> Tensor<T> {
        var g = dValues.reshaped([dValues.count, 1])
        for index in stride(from: layers.count - 1, through: 0, by: -1) {
            if index < layers.count - 1 { g = activation.backward(g, input: cache.preActivations[index], pool: pool) }
            g = layers[index].backward(g, cache: cache.linear[index], pool: pool)!
        }
        return g
    }
}
