import Tensor

/// A dense layer `y = x·Wᵀ + b` with an optional LoRA adapter (Specs/Model.md Model-1, Model-2).
///
/// Shapes: x [N, in] → y [N, out]; `weight` [out, in], `bias` [out]. With an enabled adapter
/// `y += s·(dropout(x)·Aᵀ)·Bᵀ` (Model-2), A [r, in], B [out, r], s = α/r.
public struct Linear<T: Scalar>: Sendable {
    public var weight: Parameter<T>
    public var bias: Parameter<T>?
    public var lora: LoRAAdapter<T>?

    public init(weight: Tensor<T>, bias: Tensor<T>? = nil) {
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
    }

    public var inputFeatures: Int { weight.value.shape[1] }
    public var outputFeatures: Int { weight.value.shape[0] }

    /// What `backward` needs from `forward`.
    public struct Cache: Sendable {
        var input: Tensor<T>
        /// dropout(x)·Aᵀ [N, r] and the dropout keep-mask scaled by 1/(1−p) ([0] without dropout).
        var loraHidden: Tensor<T>?
        var dropoutScale: [T]
    }

    /// y = x·Wᵀ + b (+ the adapter's term when enabled). Dropout on the adapter's input is drawn
    /// from `context` when it is training. The output and the cache come from `pool`.
    @_specialize(where T == Float)
    public func forward(_ x: Tensor<T>, context: inout ForwardContext, pool: TensorPool<T> = TensorPool()) -> (Tensor<T>, Cache) {
        precondition(x.rank == 2 && x.shape[1] == inputFeatures, "Linear: input \(x.shape) for weight \(weight.value.shape)")
        var cache = Cache(input: x, loraHidden: nil, dropoutScale: [])
        if let lora, lora.isActive {
            var adapterInput = x
            if context.isTraining && lora.dropout > 0 {
                cache.dropoutScale = context.dropoutMask(count: x.count, probability: lora.dropout, as: T.self)
                adapterInput = x.scaled(by: cache.dropoutScale, pool: pool)
            }
            cache.loraHidden = adapterInput.timesTransposed(lora.a.value, pool: pool)
        }
        var y = pool.makeTensor(shape: [x.shape[0], outputFeatures])
        y.setProduct(x, weight.value, transposeB: true)
        if let bias { y.addRowVector(bias.value) }
        if let lora, let hidden = cache.loraHidden {
            T.gemm(transposeA: false, transposeB: true, m: y.shape[0], n: outputFeatures, k: lora.rank,
                   alpha: lora.scaling, a: hidden.elements, lda: lora.rank, b: lora.b.value.elements, ldb: lora.rank,
                   beta: 1, c: &y.elements, ldc: outputFeatures)
        }
        return (pool.keep(y), cache)
    }

    /// Accumulates ∂L/∂W, ∂L/∂b, ∂L/∂A, ∂L/∂B for the trainable ones and returns ∂L/∂x
    /// (Model-1, Model-2 backward): dx = dy·W + s·(dy·B)·A ⊙ keep; dW += dyᵀx; db += Σ_rows dy;
    /// dB += s·dyᵀ·h; dA += (s·dy·B)ᵀ·dropout(x). Gradients accumulate in place; ∂L/∂x comes from `pool`.
    @_specialize(where T == Float)
    public mutating func backward(_ dy: Tensor<T>, cache: Cache, needsInputGradient: Bool = true,
                                  pool: TensorPool<T> = TensorPool()) -> Tensor<T>? {
        precondition(dy.shape == [cache.input.shape[0], outputFeatures], "Linear: output gradient \(dy.shape)")
        if weight.isTrainable { weight.gradient.addTransposedProduct(dy, cache.input) }
        if bias?.isTrainable == true {
            let sums = dy.columnSums(pool: pool)
            for j in sums.elements.indices { bias!.gradient.elements[j] += sums.elements[j] }
        }
        var dx: Tensor<T>? = needsInputGradient ? dy.matmul(weight.value, pool: pool) : nil
        if var adapter = lora, adapter.isActive, let hidden = cache.loraHidden {
            lora = nil   // the adapter's gradients stay uniquely referenced while they accumulate
            if adapter.b.isTrainable { adapter.b.gradient.addTransposedProduct(dy, hidden, scale: adapter.scaling) }
            if adapter.a.isTrainable || needsInputGradient {
                var dHidden = pool.makeTensor(shape: [dy.shape[0], adapter.rank])
                dHidden.setProduct(dy, adapter.b.value)
                for i in dHidden.elements.indices { dHidden.elements[i] *= adapter.scaling }
                pool.keep(dHidden)
                if adapter.a.isTrainable {
                    let adapterInput = cache.dropoutScale.isEmpty ? cache.input : cache.input.scaled(by: cache.dropoutScale, pool: pool)
                    adapter.a.gradient.addTransposedProduct(dHidden, adapterInput)
                }
                if needsInputGradient {
                    var dInput = dHidden.matmul(adapter.a.value, pool: pool)
                    if !cache.dropoutScale.isEmpty { dInput = dInput.scaled(by: cache.dropoutScale, pool: pool) }
                    dx = dx!.zipMap(dInput, pool: pool, +)
                }
            }
            lora = adapter
        }
        return dx
    }
}

extension Tensor {
    /// self ⊙ `scale` element-wise (a dropout mask), from `pool`.
    @inlinable func scaled(by scale: [T], pool: TensorPool<T>) -> Tensor {
        precondition(scale.count == count, "scaled: \(scale.count) factors for shape \(shape)")
        var out = pool.makeTensor(shape: shape)
        for i in out.elements.indices { out.elements[i] = elements[i] * scale[i] }
        return pool.keep(out)
    }
}
