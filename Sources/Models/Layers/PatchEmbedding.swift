import Tensor

/// CLIP's vision embeddings (Specs/Model.md Model-11): a stride-p convolution without bias as a
/// matrix product over flattened patches, a class token first, learned position embeddings.
///
/// pixels [I, C, S, S] → patches [I·P, C·p·p] (row-major patch grid; each patch flattened
/// channel-major, like the weight [D, C, p, p]) → y [I·(P+1), D] with row 0 of each image the class
/// embedding; every row adds the position embedding [P+1, D] of its index.
public struct PatchEmbedding<T: Scalar>: Sendable {
    public var patchWeight: Parameter<T>         // [D, C, p, p]
    public var classEmbedding: Parameter<T>      // [D]
    public var positionEmbedding: Parameter<T>   // [P+1, D]
    public var imageSize: Int

    public init(patchWeight: Tensor<T>, classEmbedding: Tensor<T>, positionEmbedding: Tensor<T>, imageSize: Int) {
        self.patchWeight = Parameter(patchWeight)
        self.classEmbedding = Parameter(classEmbedding)
        self.positionEmbedding = Parameter(positionEmbedding)
        self.imageSize = imageSize
    }

    public var width: Int { patchWeight.value.shape[0] }
    public var channels: Int { patchWeight.value.shape[1] }
    public var patchSize: Int { patchWeight.value.shape[2] }
    public var patchesPerImage: Int { (imageSize / patchSize) * (imageSize / patchSize) }
    var patchLength: Int { channels * patchSize * patchSize }

    public struct Cache: Sendable {
        var images: Int
        var patches: Tensor<T>
    }

    /// The output and the cache come from `pool`.
    @_specialize(where T == Float)
    public func forward(_ pixels: Tensor<T>, pool: TensorPool<T> = TensorPool()) -> (Tensor<T>, Cache) {
        precondition(pixels.shape.count == 4 && pixels.shape.dropFirst() == [channels, imageSize, imageSize],
                     "PatchEmbedding: pixels \(pixels.shape)")
        let images = pixels.shape[0], tokens = patchesPerImage + 1, d = width
        let patches = rearrange(pixels, images: images, toPatches: true, pool: pool)
        let embedded = patches.timesTransposed(patchWeight.value.reshaped([d, patchLength]), pool: pool)
        var y = pool.makeTensor(shape: [images * tokens, d])
        for i in 0..<images {
            for s in 0..<tokens {
                for j in 0..<d {
                    let content = s == 0 ? classEmbedding.value.elements[j] : embedded.elements[(i * patchesPerImage + s - 1) * d + j]
                    y.elements[(i * tokens + s) * d + j] = content + positionEmbedding.value.elements[s * d + j]
                }
            }
        }
        return (pool.keep(y), Cache(images: images, patches: patches))
    }

    /// Accumulates the three weights' gradients in place; returns ∂L/∂pixels (from `pool`) when asked.
    @_specialize(where T == Float)
    public mutating func backward(_ dy: Tensor<T>, cache: Cache, needsPixelGradient: Bool,
                                  pool: TensorPool<T> = TensorPool()) -> Tensor<T>? {
        let tokens = patchesPerImage + 1, d = width
        var dEmbedded = pool.makeTensor(shape: [cache.images * patchesPerImage, d])
        for i in 0..<cache.images {
            for s in 0..<tokens {
                for j in 0..<d {
                    let v = dy.elements[(i * tokens + s) * d + j]
                    if positionEmbedding.isTrainable { positionEmbedding.gradient.elements[s * d + j] += v }
                    if s == 0 {
                        if classEmbedding.isTrainable { classEmbedding.gradient.elements[j] += v }
                    } else {
                        dEmbedded.elements[(i * patchesPerImage + s - 1) * d + j] = v
                    }
                }
            }
        }
        pool.keep(dEmbedded)
        if patchWeight.isTrainable {
            // Viewed as [D, C·p·p] without a copy: the gradient moves out of the parameter and back.
            var flat = patchWeight.gradient.reshaped([d, patchLength])
            patchWeight.gradient = Tensor(shape: [0])
            flat.addTransposedProduct(dEmbedded, cache.patches)
            patchWeight.gradient = flat.reshaped(patchWeight.value.shape)
        }
        guard needsPixelGradient else { return nil }
        let dPatches = dEmbedded.matmul(patchWeight.value.reshaped([d, patchLength]), pool: pool)
        return rearrange(dPatches, images: cache.images, toPatches: false, pool: pool)
    }

    /// Pixels [I, C, S, S] → patch rows [I·P, C·p·p] (`toPatches`), or the inverse layout, from `pool`.
    func rearrange(_ source: Tensor<T>, images: Int, toPatches: Bool, pool: TensorPool<T>) -> Tensor<T> {
        let grid = imageSize / patchSize, p = patchSize
        var out = pool.makeTensor(shape: toPatches ? [images * patchesPerImage, patchLength]
                                                   : [images, channels, imageSize, imageSize])
        for i in 0..<images {
            for gy in 0..<grid {
                for gx in 0..<grid {
                    var patchIndex = ((i * grid + gy) * grid + gx) * patchLength
                    for ch in 0..<channels {
                        for y in 0..<p {
                            let pixel = ((i * channels + ch) * imageSize + gy * p + y) * imageSize + gx * p
                            for column in 0..<p {
                                if toPatches {
                                    out.elements[patchIndex] = source.elements[pixel + column]
                                } else {
                                    out.elements[pixel + column] = source.elements[patchIndex]
                                }
                                patchIndex += 1
                            }
                        }
                    }
                }
            }
        }
        return pool.keep(out)
    }
}
