import CBLAS

// The only file that calls CBLAS. Every matrix product in RLRef goes through `Scalar.gemm`.

/// Converts a dimension to the 32-bit integer CBLAS takes, trapping on a programming error
/// (dimensions come from validated tensor shapes, never from raw user input).
@usableFromInline
func blasInt(_ value: Int, _ name: StaticString) -> Int32 {
    guard let v = Int32(exactly: value), v >= 0 else {
        preconditionFailure("BLAS dimension \(name) = \(value) does not fit a non-negative Int32")
    }
    return v
}

@usableFromInline
func checkGemmBuffers(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                      aCount: Int, lda: Int, bCount: Int, ldb: Int, cCount: Int, ldc: Int) {
    let (aRows, aCols) = transposeA ? (k, m) : (m, k)
    let (bRows, bCols) = transposeB ? (n, k) : (k, n)
    precondition(lda >= max(1, aCols) && ldb >= max(1, bCols) && ldc >= max(1, n),
                 "gemm: leading dimension smaller than the row length")
    precondition(aRows == 0 || aCount >= (aRows - 1) * lda + aCols, "gemm: A buffer too small")
    precondition(bRows == 0 || bCount >= (bRows - 1) * ldb + bCols, "gemm: B buffer too small")
    precondition(m == 0 || cCount >= (m - 1) * ldc + n, "gemm: C buffer too small")
}

extension Double {
    /// Row-major DGEMM: C ← α·op(A)·op(B) + β·C with op(A) m×k, op(B) k×n, C m×n.
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafeBufferPointer<Double>, lda: Int,
        b: UnsafeBufferPointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutableBufferPointer<Double>, ldc: Int
    ) {
        checkGemmBuffers(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                         aCount: a.count, lda: lda, bCount: b.count, ldb: ldb, cCount: c.count, ldc: ldc)
        guard m > 0, n > 0 else { return }
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    blasInt(m, "m"), blasInt(n, "n"), blasInt(k, "k"), alpha,
                    a.baseAddress, blasInt(lda, "lda"), b.baseAddress, blasInt(ldb, "ldb"),
                    beta, c.baseAddress, blasInt(ldc, "ldc"))
    }
}

extension Float {
    /// Row-major SGEMM: C ← α·op(A)·op(B) + β·C with op(A) m×k, op(B) k×n, C m×n.
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafeBufferPointer<Float>, lda: Int,
        b: UnsafeBufferPointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutableBufferPointer<Float>, ldc: Int
    ) {
        checkGemmBuffers(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                         aCount: a.count, lda: lda, bCount: b.count, ldb: ldb, cCount: c.count, ldc: ldc)
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    blasInt(m, "m"), blasInt(n, "n"), blasInt(k, "k"), alpha,
                    a.baseAddress, blasInt(lda, "lda"), b.baseAddress, blasInt(ldb, "ldb"),
                    beta, c.baseAddress, blasInt(ldc, "ldc"))
    }
}

extension Scalar {
    /// Row-major GEMM on sub-matrices of arrays: C ← α·op(A)·op(B) + β·C, where A starts at
    /// `a[aOffset]` with row stride `lda`, B at `b[bOffset]` with stride `ldb` and C at `c[cOffset]`
    /// with stride `ldc` (so a head's slice of a [rows, heads·dim] activation is a matrix without a
    /// copy). The offsets and extents are checked like `gemm`'s buffers; a violation is a
    /// programming error and traps.
    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: [Self], aOffset: Int = 0, lda: Int,
        b: [Self], bOffset: Int = 0, ldb: Int,
        beta: Self, c: inout [Self], cOffset: Int = 0, ldc: Int
    ) {
        precondition(aOffset >= 0 && aOffset <= a.count && bOffset >= 0 && bOffset <= b.count
                     && cOffset >= 0 && cOffset <= c.count, "gemm: offset outside its array")
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                         a: UnsafeBufferPointer(rebasing: pa[aOffset...]), lda: lda,
                         b: UnsafeBufferPointer(rebasing: pb[bOffset...]), ldb: ldb, beta: beta,
                         c: UnsafeMutableBufferPointer(rebasing: pc[cOffset...]), ldc: ldc)
                }
            }
        }
    }
}

/// The number of threads OpenBLAS uses for every matrix product (set it explicitly: its default is
/// every core, and its two-thread path is erratic on small skinny matrices).
public enum BLASThreads {
    public static var count: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(clamping: max(1, newValue))) }
    }
}
