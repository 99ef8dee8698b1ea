import Tensor

/// Conventions of the VLRM-RS similarity (Specs/VLRMRSScore.md, "Conventions and presets").
public struct VLRMRSConfiguration: Sendable, Equatable {
    /// w, the weight of Φ (paper: 0.3).
    public var phiWeight: Double
    /// τ > 0, multiplier of the cosine matrix before both softmaxes (paper: 1, the raw cosine).
    public var logitScale: Double
    /// The std of D: unbiased (N − 1, `torch.std`, paper) or population (N).
    public var variance: VarianceEstimator
    /// ε ≥ 0 added to std D (paper: 0).
    public var epsilon: Double
    /// Floor of a row norm in the cosine, > 0 (paper: 1e-12, `F.normalize`).
    public var normEpsilon: Double

    public init(phiWeight: Double = 0.3, logitScale: Double = 1, variance: VarianceEstimator = .unbiased,
                epsilon: Double = 0, normEpsilon: Double = 1e-12) {
        self.phiWeight = phiWeight
        self.logitScale = logitScale
        self.variance = variance
        self.epsilon = epsilon
        self.normEpsilon = normEpsilon
    }

    /// Seed 004, Section 5, Equation 5 read literally.
    public static let paper = VLRMRSConfiguration()

    /// The presets by their golden-file names (no framework implements Equation 5).
    public static let presets: [String: VLRMRSConfiguration] = ["paper": .paper]

    /// Throws `nonFinite` for a NaN or infinite parameter, then `outOfRange` for τ ≤ 0, ε < 0 or
    /// norm_epsilon ≤ 0.
    public func validate() throws {
        for (value, name) in [(phiWeight, "phi_weight"), (logitScale, "logit_scale"), (epsilon, "epsilon"),
                              (normEpsilon, "norm_epsilon")] where !value.isFinite {
            throw InputError.nonFinite(argument: name, index: [])
        }
        guard logitScale > 0 else { throw InputError.outOfRange(argument: "logit_scale", value: logitScale, range: "(0, inf)") }
        guard epsilon >= 0 else { throw InputError.outOfRange(argument: "epsilon", value: epsilon, range: "[0, inf)") }
        guard normEpsilon > 0 else {
            throw InputError.outOfRange(argument: "norm_epsilon", value: normEpsilon, range: "(0, inf)")
        }
    }

    /// VLRMRSScore-3 as a `MaskedStandardization` over an all-ones mask: Φ = (D − mean D)/(std D + ε),
    /// ε outside the square root, mean subtracted.
    var standardization: MaskedStandardization {
        MaskedStandardization(variance: variance, epsilon: epsilon, epsilonPlacement: .outsideSqrt)
    }
}

/// Outputs of the VLRM-RS similarity for a batch of N image–caption pairs.
public struct VLRMRSScoreResult<T: Scalar>: Sendable {
    /// S [N, N]: cosine similarities, rows = images, columns = texts.
    public var similarity: Tensor<T>
    /// D [N]: diagonal of softmax(τS, 0) ⊙ softmax(τS, 1).
    public var d: Tensor<T>
    /// Φ [N]: standardised D (0 when N = 1 or all D_k are equal).
    public var phi: Tensor<T>
    /// sim [N] = itm + w·Φ.
    public var sim: Tensor<T>
}

/// Gradients of a scalar L with respect to the inputs of `vlrmRSScore`.
public struct VLRMRSScoreGradients<T: Scalar>: Sendable {
    public var imageEmbeddings: Tensor<T>
    public var textEmbeddings: Tensor<T>
    public var itm: Tensor<T>
}

/// Rows divided by max(‖row‖₂, floor), and the row norms ‖row‖₂.
private func unitRows<T: Scalar>(_ x: Tensor<T>, floor: T) -> (unit: Tensor<T>, norms: [T]) {
    let (rows, width) = (x.shape[0], x.shape[1])
    var unit = x
    var norms = [T](repeating: 0, count: rows)
    for i in 0..<rows {
        var squares: T = 0
        for e in 0..<width { squares += x.elements[i * width + e] * x.elements[i * width + e] }
        norms[i] = squares.squareRoot()
        let divisor = max(norms[i], floor)
        for e in 0..<width { unit.elements[i * width + e] /= divisor }
    }
    return (unit, norms)
}

/// Vector–Jacobian product of `unitRows`: `(g − û⟨g, û⟩)/‖u‖` where ‖u‖ > floor, else `g/floor`.
private func unitRowsBackward<T: Scalar>(_ gradient: Tensor<T>, unit: Tensor<T>, norms: [T], floor: T) -> Tensor<T> {
    let width = unit.shape[1]
    var out = gradient
    for (i, norm) in norms.enumerated() {
        let row = (i * width)..<(i * width + width)
        guard norm > floor else {
            for e in row { out.elements[e] = gradient.elements[e] / floor }
            continue
        }
        var projection: T = 0
        for e in row { projection += gradient.elements[e] * unit.elements[e] }
        for e in row { out.elements[e] = (gradient.elements[e] - unit.elements[e] * projection) / norm }
    }
    return out
}

/// The intermediate values of the forward pass that the backward pass reuses.
private struct VLRMRSForward<T: Scalar> {
    var imageUnit: Tensor<T>, imageNorms: [T]
    var textUnit: Tensor<T>, textNorms: [T]
    /// S [N, N] (images × texts).
    var similarity: Tensor<T>
    /// softmax(τS, 0) stored transposed: `imageSoftmaxT[j, i]` = A_ij, the softmax over images i for text j.
    var imageSoftmaxT: Tensor<T>
    /// softmax(τS, 1): `textSoftmax[i, j]` = B_ij, the softmax over texts j for image i.
    var textSoftmax: Tensor<T>
    var d: Tensor<T>
    /// N = 1 or all D_k bitwise equal: Φ := 0 (VLRMRSScore-3).
    var isDegenerate: Bool

    init(imageEmbeddings: Tensor<T>, textEmbeddings: Tensor<T>, itm: Tensor<T>, configuration c: VLRMRSConfiguration) throws {
        guard imageEmbeddings.rank == 2 else {
            throw InputError.shapeMismatch(argument: "image_embeddings", expected: [-1, -1], actual: imageEmbeddings.shape)
        }
        let (n, width) = (imageEmbeddings.shape[0], imageEmbeddings.shape[1])
        try requireShape(textEmbeddings, [n, width], "text_embeddings")
        try requireShape(itm, [n], "itm")
        guard n > 0, width > 0 else {
            throw InputError.empty(argument: "image_embeddings", reason: "needs N > 0 pairs of width E > 0, shape [\(n), \(width)]")
        }
        try requireFinite(imageEmbeddings, "image_embeddings")
        try requireFinite(textEmbeddings, "text_embeddings")
        try requireFinite(itm, "itm")
        try c.validate()

        let floor = T(c.normEpsilon)
        (imageUnit, imageNorms) = unitRows(imageEmbeddings, floor: floor)
        (textUnit, textNorms) = unitRows(textEmbeddings, floor: floor)
        similarity = imageUnit.matmul(textUnit, transposeOther: true)
        let scale = T(c.logitScale)
        // Both softmaxes as row softmaxes: of τS over texts, and of τSᵀ = τ B̂Âᵀ over images.
        textSoftmax = (scale * similarity).logSoftmaxLastAxis().map(T.exp)
        imageSoftmaxT = (scale * textUnit.matmul(imageUnit, transposeOther: true)).logSoftmaxLastAxis().map(T.exp)
        var d = Tensor<T>(shape: [n])
        for k in 0..<n { d.elements[k] = imageSoftmaxT.elements[k * n + k] * textSoftmax.elements[k * n + k] }
        self.d = d
        isDegenerate = n == 1 || d.elements.allSatisfy { $0 == d.elements[0] }
    }
}

/// The VLRM-RS similarity of N image–caption pairs (seed 004, Section 5, Equation 5).
///
/// Implements Specs/VLRMRSScore.md
/// - VLRMRSScore-1: `S_ij = ⟨â_i, b̂_j⟩` with `û = u / max(‖u‖₂, norm_epsilon)` (a zero row gives a
///   zero row / column of S);
/// - VLRMRSScore-2: `D_k = softmax(τS, 0)_kk · softmax(τS, 1)_kk` (axis 0 = over images, axis 1 =
///   over texts; each softmax with its maximum subtracted);
/// - VLRMRSScore-3: `Φ = (D − mean D)/(std D + ε)` (unbiased or population std) through
///   `MaskedStandardization` with an all-ones mask; Φ = 0 when N = 1 or all D_k are bitwise equal;
/// - VLRMRSScore-4: `sim = itm + w·Φ`.
/// - Parameters:
///   - imageEmbeddings: [N, E]; row k is image k.
///   - textEmbeddings: [N, E]; row k is the caption of image k.
///   - itm: [N], the ITM score of each pair.
/// - Throws: `InputError`: `shapeMismatch`, `empty` (N = 0 or E = 0), `nonFinite`, `outOfRange`.
public func vlrmRSScore<T: Scalar>(
    imageEmbeddings: Tensor<T>, textEmbeddings: Tensor<T>, itm: Tensor<T>,
    configuration: VLRMRSConfiguration = .paper
) throws -> VLRMRSScoreResult<T> {
    let f = try VLRMRSForward(imageEmbeddings: imageEmbeddings, textEmbeddings: textEmbeddings, itm: itm,
                              configuration: configuration)
    let ones = Tensor<T>(shape: f.d.shape, repeating: 1)
    let phi = f.isDegenerate ? Tensor(shape: f.d.shape)
        : try configuration.standardization.apply(f.d, mask: ones, argument: "d")
    return VLRMRSScoreResult(similarity: f.similarity, d: f.d, phi: phi, sim: itm + T(configuration.phiWeight) * phi)
}

/// Vector–Jacobian product of `vlrmRSScore` for a cotangent g on `sim` (Specs/VLRMRSScore.md,
/// "Gradient"), derived by hand:
/// - `∂L/∂itm = g`; `g_Φ = w·g`;
/// - standardisation: `g_D = (g_Φ − mean g_Φ)/d − (Σ_k g_Φk u_k)·u/(d²νσ)` with u = D − mean D,
///   σ = std D, d = σ + ε, ν = N − δ (`MaskedStandardization.backward`);
/// - diagonal product and both softmaxes: with `h_k = g_Dk·D_k`, the only non-zero cotangents on
///   A = softmax(Z, 0) and B = softmax(Z, 1) are `ḡA_kk = g_Dk B_kk`, `ḡB_kk = g_Dk A_kk`, and the
///   softmax VJPs collapse to `g_Z[i, j] = 2h_i·[i = j] − A_ij·h_j − B_ij·h_i`;
/// - `g_S = τ·g_Z`, `g_Â = g_S B̂`, `g_B̂ = g_Sᵀ Â`, then through each row normalisation
///   `g_u = (g_û − û⟨g_û, û⟩)/‖u‖` for ‖u‖ > norm_epsilon, else `g_û/norm_epsilon`.
/// When Φ is degenerate (N = 1 or all D_k equal) Φ is the constant 0 and the embedding gradients
/// are 0 (the Spec's subgradient for N ≥ 2).
/// - Throws: the validation errors of `vlrmRSScore`; `shapeMismatch` for a cotangent that is not [N].
public func vlrmRSScoreBackward<T: Scalar>(
    imageEmbeddings: Tensor<T>, textEmbeddings: Tensor<T>, itm: Tensor<T>,
    configuration: VLRMRSConfiguration = .paper, simGradient: Tensor<T>
) throws -> VLRMRSScoreGradients<T> {
    let f = try VLRMRSForward(imageEmbeddings: imageEmbeddings, textEmbeddings: textEmbeddings, itm: itm,
                              configuration: configuration)
    let n = f.d.count
    try requireShape(simGradient, [n], "sim cotangent")
    var gradients = VLRMRSScoreGradients(imageEmbeddings: Tensor(shape: imageEmbeddings.shape),
                                         textEmbeddings: Tensor(shape: textEmbeddings.shape), itm: simGradient)
    guard !f.isDegenerate else { return gradients }

    let gPhi = T(configuration.phiWeight) * simGradient
    let gD = try configuration.standardization.backward(gPhi, x: f.d, mask: Tensor(shape: [n], repeating: 1), argument: "d")
    let h = gD * f.d
    let scale = T(configuration.logitScale)
    var gS = Tensor<T>(shape: [n, n])
    for i in 0..<n {
        let hi = h.elements[i]
        for j in 0..<n {
            let diagonal: T = i == j ? 2 * hi : 0
            let a = f.imageSoftmaxT.elements[j * n + i], b = f.textSoftmax.elements[i * n + j]
            gS.elements[i * n + j] = scale * (diagonal - a * h.elements[j] - b * hi)
        }
    }
    let floor = T(configuration.normEpsilon)
    gradients.imageEmbeddings = unitRowsBackward(gS.matmul(f.textUnit), unit: f.imageUnit, norms: f.imageNorms, floor: floor)
    gradients.textEmbeddings = unitRowsBackward(gS.matmul(f.imageUnit, transposeSelf: true), unit: f.textUnit,
                                                norms: f.textNorms, floor: floor)
    return gradients
}
