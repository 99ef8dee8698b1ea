/// A dense, row-major, n-dimensional array with value semantics (copy-on-write through `Array`).
///
/// A rank-0 tensor (shape `[]`) holds one scalar. Shapes are validated when a tensor is built from
/// user data (`init(shape:elements:)` throws); operations between tensors of different shapes are
/// programming errors and trap with a message.
public struct Tensor<T: Scalar>: Equatable, Sendable {
    /// Extent of each axis; the product is `elements.count`.
    public private(set) var shape: [Int]
    /// The elements in row-major order.
    public var elements: [T]

    /// A tensor of `shape` with every element `value`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public init(shape: [Int], repeating value: T = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        self.shape = shape
        self.elements = Array(repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor of `shape` holding `elements` in row-major order.
    /// - Throws: `InputError.shapeMismatch` when the count does not match the shape.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public init(shape: [Int], elements: [T], argument: String = "tensor") throws {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == elements.count else {
            throw InputError.shapeMismatch(argument: argument, expected: shape, actual: [elements.count])
        }
        self.shape = shape
        self.elements = elements
    }

    /// A tensor of `shape` on `storage`, whose count the caller has checked (`TensorPool`).
    init(shape: [Int], storage: [T]) {
        self.shape = shape
        self.elements = storage
    }

    /// A rank-0 tensor.
    public init(scalar: T) {
        shape = []
        elements = [scalar]
    }

    /// A rank-1 tensor.
    public init(_ vector: [T]) {
        shape = [vector.count]
        elements = vector
    }

    /// Number of axes.
    @inlinable public var rank: Int { shape.count }
    /// Number of elements.
    @inlinable public var count: Int { elements.count }

    /// Row-major strides of `shape`.
    public var strides: [Int] {
        var s = Array(repeating: 1, count: shape.count)
        var acc = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            s[axis] = acc
            acc *= shape[axis]
        }
        return s
    }

    /// The multi-index of the element at row-major position `flat`.
    public func index(ofFlat flat: Int) -> [Int] {
        var rest = flat
        var idx = Array(repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            idx[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return idx
    }

    /// Element access of a rank-1 tensor (no index array is allocated, unlike the variadic form).
    @inlinable public subscript(_ i: Int) -> T {
        get { elements[checkedOffset(i, axis: 0, rank: 1)] }
        set { elements[checkedOffset(i, axis: 0, rank: 1)] = newValue }
    }

    /// Element access of a rank-2 tensor [rows, columns].
    @inlinable public subscript(_ i: Int, _ j: Int) -> T {
        get { elements[checkedOffset(i, axis: 0, rank: 2) * shape[1] + checkedOffset(j, axis: 1, rank: 2)] }
        set { elements[checkedOffset(i, axis: 0, rank: 2) * shape[1] + checkedOffset(j, axis: 1, rank: 2)] = newValue }
    }

    /// Element access of a rank-3 tensor.
    @inlinable public subscript(_ i: Int, _ j: Int, _ k: Int) -> T {
        get {
            elements[(checkedOffset(i, axis: 0, rank: 3) * shape[1] + checkedOffset(j, axis: 1, rank: 3)) * shape[2]
                     + checkedOffset(k, axis: 2, rank: 3)]
        }
        set {
            elements[(checkedOffset(i, axis: 0, rank: 3) * shape[1] + checkedOffset(j, axis: 1, rank: 3)) * shape[2]
                     + checkedOffset(k, axis: 2, rank: 3)] = newValue
        }
    }

    /// `i` after checking the tensor's rank and the bound of `axis` (programming errors trap).
    @inlinable func checkedOffset(_ i: Int, axis: Int, rank expectedRank: Int) -> Int {
        precondition(shape.count == expectedRank, "\(expectedRank) indices for a tensor of shape \(shape)")
        precondition(i >= 0 && i < shape[axis], "index \(i) out of bounds for axis \(axis) of shape \(shape)")
        return i
    }

    /// Element access by multi-index (any rank).
    public subscript(_ index: Int...) -> T {
        get { elements[flatIndex(index)] }
        set { elements[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) has the wrong rank for shape \(shape)")
        var flat = 0
        for (axis, i) in index.enumerated() {
            precondition(i >= 0 && i < shape[axis], "index \(index) out of bounds for shape \(shape)")
            flat = flat * shape[axis] + i
        }
        return flat
    }

    /// The same elements viewed with another shape of equal element count.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        var t = self
        t.shape = newShape
        return t
    }

    /// The tensor with every element converted to another scalar type (rounding to nearest).
    @_specialize(where T == Float, U == Double)
    @_specialize(where T == Double, U == Float)
    public func converted<U: Scalar>(to: U.Type = U.self) -> Tensor<U> {
        var out = Tensor<U>(shape: shape)
        for i in elements.indices { out.elements[i] = U(elements[i]) }
        return out
    }

    /// The position of the first NaN or infinity, if any.
    @inlinable public var firstNonFiniteIndex: [Int]? {
        for i in elements.indices where !elements[i].isFinite { return index(ofFlat: i) }
        return nil
    }
}
