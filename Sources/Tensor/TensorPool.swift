import Synchronization

/// Reusable storage for the activations, caches and gradient temporaries of a model's passes, so a
/// training step at a fixed batch shape allocates no element buffer after its first step.
///
/// The pool works in generations. A layer takes a zero tensor with `makeTensor(shape:)`, writes it,
/// and passes it to `keep(_:)`; the pool keeps a reference to every kept buffer until
/// `beginGeneration()` starts the next generation, which hands them out again by element count and
/// releases the previous generation's buffers that were not reused (so after a change of batch
/// shape at most one generation of buffers of the old sizes stays behind).
///
/// Reuse never leaks values: a handed-out buffer is zero-filled, and tensors are copy-on-write, so a
/// tensor that is still referenced when its buffer is handed out again keeps its values (the new
/// holder's first write copies the buffer: correct, but not reused). For the same reason a kept
/// tensor is read, not mutated, until its generation ends (a mutation would copy it).
/// Thread-safe; copies of a model share its pool.
public final class TensorPool<T: Scalar>: Sendable {
    private struct Storage {
        /// Buffers of the previous generation not handed out yet, and their counts (searched from the end).
        var free: [[T]] = []
        var freeCounts: [Int] = []
        /// Buffers kept in this generation.
        var kept: [[T]] = []
        var allocations = 0
    }

    private let storage = Mutex(Storage())

    public init() {}

    /// Element buffers the pool has had to allocate so far (constant across steps that reuse them).
    public var allocationCount: Int { storage.withLock { $0.allocations } }

    /// Makes the buffers handed out so far available again; buffers of the previous generation that
    /// were not reused are released.
    public func beginGeneration() {
        storage.withLock { s in
            swap(&s.free, &s.kept)
            s.kept.removeAll(keepingCapacity: true)
            s.freeCounts.removeAll(keepingCapacity: true)
            for buffer in s.free { s.freeCounts.append(buffer.count) }
        }
    }

    /// A zero tensor of `shape`, uniquely referenced, on a free buffer of its element count when
    /// there is one. Pass it to `keep(_:)` once it is written so the next generation can reuse it.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func makeTensor(shape: [Int]) -> Tensor<T> {
        let count = shape.reduce(1, *)
        let reused = storage.withLock { s -> [T]? in
            guard let i = s.freeCounts.lastIndex(of: count) else {
                s.allocations += 1
                return nil
            }
            s.free.swapAt(i, s.free.count - 1)
            s.freeCounts.swapAt(i, s.freeCounts.count - 1)
            s.freeCounts.removeLast()
            return s.free.removeLast()
        }
        guard var buffer = reused else { return Tensor(shape: shape) }
        for i in buffer.indices { buffer[i] = 0 }
        return Tensor(shape: shape, storage: buffer)
    }

    /// Returns `tensor` after keeping a reference to its storage, which the next generation reuses.
    @discardableResult
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func keep(_ tensor: Tensor<T>) -> Tensor<T> {
        storage.withLock { $0.kept.append(tensor.elements) }
        return tensor
    }
}
