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
    /// from `context` when it is training.
    @_specialize(where T == Float)
    public func forward(_ x: Tensor<T>, context: inout ForwardContext) -> (Tensor<T>, Cache) {
        precondition(x.rank == 2 && x.shape[1] == inputFeatures, "Linear: input \(x.shape) for weight \(weight.value.shape)")
        var y = x.timesTransposed(weight.value)
        if let bias { y.addRowVector(bias.value) }
        var cache = Cache(input: x, loraHidden: nil, dropoutScale: [])
        if let lora, lora.isActive {
            var adapterInput = x
            if context.isTraining && lora.dropout > 0 {
                cache.dropoutScale = context.dropoutMask(count: x.count, probability: lora.dropout, as: T.self)
                for i in adapterInput.elements.indices { adapterInput.elements[i] *= cache.dropoutScale[i] }
            }
            let hidden = adapterInput.timesTransposed(lora.a.value)
            T.gemm(transposeA: false, transposeB: true, m: y.shape[0], n: outputFeatures, k: lora.rank,
                   alpha: lora.scaling, a: hidden.elements, lda: lora.rank, b: lora.b.value.elements, ldb: lora.rank,
                   beta: 1, c: &y.elements, ldc: outputFeatures)
            cache.loraHidden = hidden
        }
        return (y, cache)
    }

    /// Accumulates ∂L/∂W, ∂L/∂b, ∂L/∂A, ∂L/∂B for the trainable ones and returns ∂L/∂x
    /// (Model-1, Model-2 backward): dx = dy·W + s·(dy·B)·A ⊙ keep; dW += dyᵀx; db += Σ_rows dy;
    /// dB += s·dyᵀ·h; dA += (s·dy·B)ᵀ·dropout(x).
    @_specialize(where T == Float)
    public mutating func backward(_ dy: Tensor<T>, cache: Cache, needsInputGradient: Bool = true) -> Tensor<T>? {
        precondition(dy.shape == [cache.input.shape[0], outputFeatures], "Linear: output gradient \(dy.shape)")
        if weight.isTrainable { weight.gradient.addTransposedProduct(dy, cache.input) }
        if bias?.isTrainable == true { bias!.gradient = bias!.gradient + dy.columnSums() }
        var dx: Tensor<T>? = needsInputGradient ? dy.matmul(weight.value) : nil
        if var adapter = lora, adapter.isActive, let hidden = cache.loraHidden {
            if adapter.b.isTrainable { adapter.b.gradient.addTransposedProduct(dy, hidden, scale: adapter.scaling) }
            if adapter.a.isTrainable || needsInputGradient {
                var dHidden = dy.matmul(adapter.b.value)   // [N, r]
                for i in dHidden.elements.indices { dHidden.elements[i] *= adapter.scaling }
                if adapter.a.isTrainable {
                    var adapterInput = cache.input
                    if !cache.dropoutScale.isEmpty {
                        for i in adapterInput.elements.indices { adapterInput.elements[i] *= cache.dropoutScale[i] }
                    }
                    adapter.a.gradient.addTransposedProduct(dHidden, adapterInput)
                }
                if needsInputGradient {
                    var dInput = dHidden.matmul(adapter.a.value)
                    if !cache.dropoutScale.isEmpty {
                        for i in dInput.elements.indices { dInput.elements[i] *= cache.dropoutScale[i] }
                    }
                    dx = dx! + dInput
                }
            }
            lora = adapter
        }
        return dx
    }
}
