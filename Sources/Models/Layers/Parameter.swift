import Tensor

/// A learnable tensor with its gradient accumulator.
///
/// While the parameter is trainable `gradient` has the shape of `value`; while it is frozen it is
/// empty (shape [0]), so frozen weights carry no gradient memory and backward passes skip them.
/// Backward passes *add* into `gradient`; `zeroGradient()` clears it between optimiser steps.
public struct Parameter<T: Scalar>: Sendable {
    public var value: Tensor<T>
    /// ∂L/∂value accumulated by backward passes (shape [0] while frozen).
    public var gradient: Tensor<T>
    /// Whether backward passes accumulate a gradient for this parameter.
    public private(set) var isTrainable: Bool

    public init(_ value: Tensor<T>, trainable: Bool = false) {
        self.value = value
        self.isTrainable = trainable
        self.gradient = trainable ? Tensor(shape: value.shape) : Tensor(shape: [0])
    }

    /// Freezes the parameter (dropping its gradient) or makes it trainable (with a zero gradient).
    public mutating func setTrainable(_ trainable: Bool) {
        guard trainable != isTrainable else { return }
        isTrainable = trainable
        gradient = trainable ? Tensor(shape: value.shape) : Tensor(shape: [0])
    }

    /// Sets the gradient to zero (kept allocated).
    @_specialize(where T == Float)
    public mutating func zeroGradient() {
        for i in gradient.elements.indices { gradient.elements[i] = 0 }
    }
}
