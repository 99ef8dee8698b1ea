import Tensor

/// LayerNorm over the last axis (Specs/Model.md Model-5): y = w ⊙ (x − μ)/√(σ² + ε) + b with the
/// population variance σ² = mean((x − μ)²).
///
/// Shapes: x [N, D] → y [N, D]; `weight`, `bias` [D].
public struct LayerNorm<T: Scalar>: Sendable {
    public var weight: Parameter<T>
    public var bias: Parameter<T>
    public var epsilon: T

    public init(weight: Tensor<T>, bias: Tensor<T>, epsilon: T) {
        self.weight = Parameter(weight)
        self.bias = Parameter(bias)
        self.epsilon = epsilon
    }

    public struct Cache: Sendable {
        var normalized: Tensor<T>
        var inverseStd: [T]
    }

    /// The output and the cache come from `pool`.
    @_specialize(where T == Float)
    public func forward(_ x: Tensor<T>, pool: TensorPool<T> = TensorPool()) -> (Tensor<T>, Cache) {
        let d = weight.value.count
        precondition(x.rank == 2 && x.shape[1] == d, "LayerNorm: input \(x.shape) for width \(d)")
        var normalized = pool.makeTensor(shape: x.shape)
        var y = pool.makeTensor(shape: x.shape)
        var inverse = pool.makeTensor(shape: [x.shape[0]])
        for r in 0..<x.shape[0] {
            let base = r * d
            var mean: T = 0
            for j in 0..<d { mean += x.elements[base + j] }
            mean /= T(d)
            var variance: T = 0
            for j in 0..<d { let c = x.elements[base + j] - mean; variance += c * c }
            variance /= T(d)
            let inv = 1 / (variance + epsilon).squareRoot()
            inverse.elements[r] = inv
            for j in 0..<d {
                let n = (x.elements[base + j] - mean) * inv
                normalized.elements[base + j] = n
                y.elements[base + j] = n * weight.value.elements[j] + bias.value.elements[j]
            }
        }
        return (pool.keep(y), Cache(normalized: pool.keep(normalized), inverseStd: pool.keep(inverse).elements))
    }

    /// dw += Σ dy ⊙ x̂, db += Σ dy; dx = (1/σ)·(g − mean(g) − x̂·mean(g ⊙ x̂)) with g = dy ⊙ w;
    /// dx comes from `pool`.
    @_specialize(where T == Float)
    public mutating func backward(_ dy: Tensor<T>, cache: Cache, pool: TensorPool<T> = TensorPool()) -> Tensor<T> {
        let d = weight.value.count
        var dx = pool.makeTensor(shape: dy.shape)
        for r in 0..<dy.shape[0] {
            let base = r * d
            var meanG: T = 0, meanGX: T = 0
            for j in 0..<d {
                let g = dy.elements[base + j] * weight.value.elements[j]
                meanG += g
                meanGX += g * cache.normalized.elements[base + j]
                if weight.isTrainable { weight.gradient.elements[j] += dy.elements[base + j] * cache.normalized.elements[base + j] }
                if bias.isTrainable { bias.gradient.elements[j] += dy.elements[base + j] }
            }
            meanG /= T(d)
            meanGX /= T(d)
            let inv = cache.inverseStd[r]
            for j in 0..<d {
                let g = dy.elements[base + j] * weight.value.elements[j]
                dx.elements[base + j] = inv * (g - meanG - cache.normalized.elements[base + j] * meanGX)
            }
        }
        return pool.keep(dx)
    }
}
