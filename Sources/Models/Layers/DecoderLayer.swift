import Tensor

/// One Llama decoder layer (Specs/Model.md Model-13), pre-norm with residuals:
/// h = x + Attn(RMSNorm₁(x)); y = h + SwiGLU(RMSNorm₂(h)). Shapes: x [B·T, D] → y [B·T, D].
public struct DecoderLayer<T: Scalar>: Sendable {
    public var inputNorm: RMSNorm<T>
    public var attention: SelfAttention<T>
    public var postAttentionNorm: RMSNorm<T>
    public var mlp: SwiGLU<T>

    public init(inputNorm: RMSNorm<T>, attention: SelfAttention<T>, postAttentionNorm: RMSNorm<T>, mlp: SwiGLU<T>) {
        self.inputNorm = inputNorm; self.attention = attention
        self.postAttentionNorm = postAttentionNorm; self.mlp = mlp
    }

    public struct Cache: Sendable {
        var inputNorm: RMSNorm<T>.Cache
        var attention: SelfAttention<T>.Cache
        var postAttentionNorm: RMSNorm<T>.Cache
        var mlp: SwiGLU<T>.Cache

        /// The layer's keys (after rotary) and values [B·T, H_kv·d]: what a key/value cache stores.
        public var attentionKeysAndValues: (keys: Tensor<T>, values: Tensor<T>) { (attention.rotatedKey, attention.values) }
    }

    /// The output and the cache come from `pool`.
    @_specialize(where T == Float)
    public func forward(_ x: Tensor<T>, batch: SelfAttention<T>.Batch, context: inout ForwardContext,
                        pool: TensorPool<T>) -> (Tensor<T>, Cache) {
        let (n1, c1) = inputNorm.forward(x, pool: pool)
        let (a, ca) = attention.forward(n1, batch: batch, context: &context, pool: pool)
        let h = x.zipMap(a, pool: pool, +)
        let (n2, c2) = postAttentionNorm.forward(h, pool: pool)
        let (m, cm) = mlp.forward(n2, context: &context, pool: pool)
        return (h.zipMap(m, pool: pool, +), Cache(inputNorm: c1, attention: ca, postAttentionNorm: c2, mlp: cm))
    }

    /// ∂L/∂x and the temporaries come from `pool`.
    @_specialize(where T == Float)
    public mutating func backward(_ dy: Tensor<T>, cache: Cache, batch: SelfAttention<T>.Batch, pool: TensorPool<T>) -> Tensor<T> {
        let dNorm2 = postAttentionNorm.backward(mlp.backward(dy, cache: cache.mlp, pool: pool), cache: cache.postAttentionNorm, pool: pool)
        let dh = dy.zipMap(dNorm2, pool: pool, +)
        let dAttention = attention.backward(dh, cache: cache.attention, batch: batch, pool: pool)
        return dh.zipMap(inputNorm.backward(dAttention, cache: cache.inputNorm, pool: pool), pool: pool, +)
    }
}

/// One CLIP encoder layer (Specs/Model.md Model-12), pre-LayerNorm with residuals:
/// h = x + Attn(LN₁(x)); y = h + MLP(LN₂(h)). Shapes: x [B·S, D] → y [B·S, D].
public struct EncoderLayer<T: Scalar>: Sendable {
    public var layerNorm1: LayerNorm<T>
    public var attention: SelfAttention<T>
    public var layerNorm2: LayerNorm<T>
    public var mlp: TwoLayerPerceptron<T>

    public init(layerNorm1: LayerNorm<T>, attention: SelfAttention<T>, layerNorm2: LayerNorm<T>, mlp: TwoLayerPerceptron<T>) {
        self.layerNorm1 = layerNorm1; self.attention = attention; self.layerNorm2 = layerNorm2; self.mlp = mlp
    }

    public struct Cache: Sendable {
        var layerNorm1: LayerNorm<T>.Cache
        var attention: SelfAttention<T>.Cache
        var layerNorm2: LayerNorm<T>.Cache
        var mlp: TwoLayerPerceptron<T>.Cache
    }

    /// The output and the cache come from `pool`.
    @_specialize(where T == Float)
    public func forward(_ x: Tensor<T>, batch: SelfAttention<T>.Batch, context: inout ForwardContext,
                        pool: TensorPool<T>) -> (Tensor<T>, Cache) {
        let (n1, c1) = layerNorm1.forward(x, pool: pool)
        let (a, ca) = attention.forward(n1, batch: batch, context: &context, pool: pool)
        let h = x.zipMap(a, pool: pool, +)
        let (n2, c2) = layerNorm2.forward(h, pool: pool)
        let (m, cm) = mlp.forward(n2, context: &context, pool: pool)
        return (h.zipMap(m, pool: pool, +), Cache(layerNorm1: c1, attention: ca, layerNorm2: c2, mlp: cm))
    }

    /// ∂L/∂x and the temporaries come from `pool`.
    @_specialize(where T == Float)
    public mutating func backward(_ dy: Tensor<T>, cache: Cache, batch: SelfAttention<T>.Batch, pool: TensorPool<T>) -> Tensor<T> {
        let dNorm2 = layerNorm2.backward(mlp.backward(dy, cache: cache.mlp, pool: pool)!, cache: cache.layerNorm2, pool: pool)
        let dh = dy.zipMap(dNorm2, pool: pool, +)
        let dAttention = attention.backward(dh, cache: cache.attention, batch: batch, pool: pool)
        return dh.zipMap(layerNorm1.backward(dAttention, cache: cache.layerNorm1, pool: pool), pool: pool, +)
    }
}

/// A layer over a [B·T, D] sequence with attention: the contract the decoder and encoder layers share,
/// so code that drives either (golden evaluation, stacks) is written once. Outputs, caches and
/// gradients come from the pool passed in.
public protocol SequenceLayer: Sendable {
    associatedtype Element: Scalar
    associatedtype Cache: Sendable
    func forward(_ x: Tensor<Element>, batch: SelfAttention<Element>.Batch, context: inout ForwardContext,
                 pool: TensorPool<Element>) -> (Tensor<Element>, Cache)
    mutating func backward(_ dy: Tensor<Element>, cache: Cache, batch: SelfAttention<Element>.Batch,
                           pool: TensorPool<Element>) -> Tensor<Element>
}

extension DecoderLayer: SequenceLayer { public typealias Element = T }
extension EncoderLayer: SequenceLayer { public typealias Element = T }

extension Array where Element: SequenceLayer {
    /// Runs the first `count` layers (all by default) in order over x [B·T, D], keeping each layer's cache.
    func forward(_ x: Tensor<Element.Element>, batch: SelfAttention<Element.Element>.Batch, count: Int? = nil,
                 context: inout ForwardContext, pool: TensorPool<Element.Element>) -> (Tensor<Element.Element>, [Element.Cache]) {
        var h = x
        var caches: [Element.Cache] = []
        for layer in prefix(count ?? self.count) {
            let (next, cache) = layer.forward(h, batch: batch, context: &context, pool: pool)
            h = next
            caches.append(cache)
        }
        return (h, caches)
    }

    /// The backward pass of `forward`: the layers that ran, last first; returns ∂L/∂x.
    mutating func backward(_ dy: Tensor<Element.Element>, caches: [Element.Cache],
                           batch: SelfAttention<Element.Element>.Batch, pool: TensorPool<Element.Element>) -> Tensor<Element.Element> {
        var g = dy
        for index in stride(from: caches.count - 1, through: 0, by: -1) {
            g = self[index].backward(g, cache: caches[index], batch: batch, pool: pool)
        }
        return g
    }
}
