import Tensor

// Argument checks shared by every Spec's entry points. Each throws `InputError` naming the argument.

/// Throws `shapeMismatch` unless `tensor` has exactly `shape`.
@inlinable
public func requireShape<T: Scalar>(_ tensor: Tensor<T>, _ shape: [Int], _ argument: String) throws {
    guard tensor.shape == shape else {
        throw InputError.shapeMismatch(argument: argument, expected: shape, actual: tensor.shape)
    }
}

/// Throws `nonFinite` at the first NaN or infinity in `tensor`.
@inlinable
public func requireFinite<T: Scalar>(_ tensor: Tensor<T>, _ argument: String) throws {
    if let index = tensor.firstNonFiniteIndex { throw InputError.nonFinite(argument: argument, index: index) }
}

/// Throws `invalidArgument` unless every element of `tensor` is 0 or 1.
@inlinable
public func requireBinary<T: Scalar>(_ tensor: Tensor<T>, _ argument: String) throws {
    if let i = tensor.elements.firstIndex(where: { $0 != 0 && $0 != 1 }) {
        throw InputError.invalidArgument(argument: argument,
                                         reason: "must hold only 0 or 1, found \(tensor.elements[i]) at \(tensor.index(ofFlat: i))")
    }
}

/// Throws `outOfRange` unless `value` lies in the closed interval `range`.
@inlinable
public func requireInRange(_ value: Double, _ range: ClosedRange<Double>, _ argument: String) throws {
    guard range.contains(value) else {
        throw InputError.outOfRange(argument: argument, value: value, range: "[\(range.lowerBound), \(range.upperBound)]")
    }
}
