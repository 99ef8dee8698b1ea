import Tensor

/// RMSNorm over the last axis (Specs/Model.md Model-4): y = w ⊙ x / √(mean(x²) + ε).
///
/// Shapes: x [N, D] → y [N, D]; `weight` [D]. Computed in the model's own precision (transformers
/// computes it in float32 whatever the model's dtype; see the Spec's float32 list).
public struct RMSNorm<T: Scalar>: Sendable {
    public var weight: Parameter<T>
    public var epsilon: T

    public init(weight: Tensor<T>, epsilon: T) {
        self.weight = Parameter(weight)
        self.epsilon = epsilon
    }

    public struct Cache: Sendable {
        /// x / rms [N, D] and 1/rms [N].
        var normalized: Tensor<T>
        var inverseRMS: [T]
    }

    /// The output and the cache come from `pool`.
    @_specialize(where T == Float)
    public func forward(_ x: Tensor<T>, pool: TensorPool<T> = TensorPool()) -> (Tensor<T>, Cache) {
        let d = weight.value.count
        precondition(x.rank == 2 && x.shape[1] == d, "RMSNorm: input \(x.shape) for width \(d)")
        let rows = x.shape[0]
        var normalized = pool.makeTensor(shape: x.shape)
        var y = pool.makeTensor(shape: x.shape)
        var inverse = pool.makeTensor(shape: [rows])
        for r in 0..<rows {
            let base = r * d
            var sumSquares: T = 0
            for j in 0..<d { sumSquares += x.elements[base + j] * x.elements[base + j] }
            let inv = 1 / (sumSquares / T(d) + epsilon).squareRoot()
            inverse.elements[r] = inv
            for j in 0..<d {
                let n = x.elements[base + j] * inv
                normalized.elements[base + j] = n
                y.elements[base + j] = n * weight.value.elements[j]
            }
        }
        return (pool.keep(y), Cache(normalized: pool.keep(normalized), inverseRMS: pool.keep(inverse).elements))
    }

    /// dw += Σ_rows dy ⊙ x̂; dx = (1/rms)·(g − x̂·mean(g ⊙ x̂)) with g = dy ⊙ w (Model-4 backward);
    /// dx comes from `pool`.
    @_specialize(where T == Float)
    public mutating func backward(_ dy: Tensor<T>, cache: Cache, pool: TensorPool<T> = TensorPool()) -> Tensor<T> {
        let d = weight.value.count
        let rows = dy.shape[0]
        var dx = pool.makeTensor(shape: dy.shape)
        let trainable = weight.isTrainable
        for r in 0..<rows {
            let base = r * d
            var dot: T = 0
            for j in 0..<d {
                let g = dy.elements[base + j] * weight.value.elements[j]
                dot += g * cache.normalized.elements[base + j]
                if trainable { weight.gradient.elements[j] += dy.elements[base + j] * cache.normalized.elements[base + j] }
            }
            let mean = dot / T(d)
            let inv = cache.inverseRMS[r]
            for j in 0..<d {
                let g = dy.elements[base + j] * weight.value.elements[j]
                dx.elements[base + j] = inv * (g - cache.normalized.elements[base + j] * mean)
            }
        }
        return pool.keep(dx)
    }
}
