import Tensor

/// A LoRA adapter on one `Linear` (Specs/Model.md Model-2): ΔW = s·B·A with A [r, in], B [out, r],
/// s = α/r, dropout probability p on the adapter's input while training.
///
/// Initialised as PEFT does by default: A ~ Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in),
/// and B = 0, so a fresh adapter leaves the model unchanged. `isEnabled == false` gives the frozen
/// base model (the reference policy) without a second copy of the weights.
public struct LoRAAdapter<T: Scalar>: Sendable {
    public var a: Parameter<T>
    public var b: Parameter<T>
    public var scaling: T
    public var dropout: Double
    /// False for the reference policy: the layer computes with its base weight alone.
    public var isEnabled = true
    /// True after `Linear.mergeAdapter()`: ΔW is inside the base weight, so the adapter adds nothing.
    public internal(set) var isMerged = false

    /// Whether the adapter's term is added in forward passes.
    public var isActive: Bool { isEnabled && !isMerged }

    public var rank: Int { a.value.shape[0] }

    public init(a: Tensor<T>, b: Tensor<T>, scaling: T, dropout: Double = 0, trainable: Bool = true) {
        self.a = Parameter(a, trainable: trainable)
        self.b = Parameter(b, trainable: trainable)
        self.scaling = scaling
        self.dropout = dropout
    }

    /// A fresh adapter for a [out, in] weight: rank r, α, dropout p, A drawn from `generator`.
    public init(inputFeatures: Int, outputFeatures: Int, rank r: Int, alpha: Double, dropout: Double,
                using generator: inout SeededGenerator) {
        let bound = 1 / Double(inputFeatures).squareRoot()
        var a = Tensor<T>(shape: [r, inputFeatures])
        for i in a.elements.indices { a.elements[i] = T((2 * generator.nextUniform() - 1) * bound) }
        self.init(a: a, b: Tensor(shape: [outputFeatures, r]), scaling: T(alpha / Double(r)), dropout: dropout)
    }

    /// ΔW = s·B·A [out, in], what `merge` adds to the base weight.
    public var delta: Tensor<T> {
        var d = b.value.matmul(a.value)
        for i in d.elements.indices { d.elements[i] *= scaling }
        return d
    }
}

extension Linear {
    /// Folds the adapter into the base weight (W ← W + s·B·A); `unmergeAdapter` undoes it (up to
    /// rounding). While merged the adapter adds nothing in forward passes and gets no gradient.
    public mutating func mergeAdapter() {
        guard let adapter = lora, !adapter.isMerged else { return }
        weight.value = weight.value + adapter.delta
        lora?.isMerged = true
    }

    /// W ← W − s·B·A: the inverse of `mergeAdapter`.
    public mutating func unmergeAdapter() {
        guard let adapter = lora, adapter.isMerged else { return }
        weight.value = weight.value - adapter.delta
        lora?.isMerged = false
    }
}
