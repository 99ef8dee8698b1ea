import CLAPACKE

// The only file that calls LAPACK: a QR factorisation (dgeqrf + dorgqr) for orthogonal weight
// initialisation, as PPO implementations initialise their layers (Saxe et al., 2014; CleanRL's
// `layer_init` uses torch.nn.init.orthogonal_).

/// Errors from LAPACK routines (a non-zero `info`).
public struct LAPACKError: Error, Equatable, Sendable, CustomStringConvertible {
    public let routine: String
    public let info: Int32
    public var description: String { "\(routine) failed with info = \(info)" }
}

extension Tensor {
    /// A `rows`×`cols` matrix with orthonormal rows (if rows ≤ cols) or columns (otherwise), times
    /// `gain`: Q of the QR factorisation of a standard-normal matrix, with column signs fixed by the
    /// signs of diag(R) so the result is Haar-distributed (the same recipe as torch's orthogonal_).
    /// Draws come from `generator`, so a seed fixes the matrix on every platform.
    public static func orthogonal(rows: Int, cols: Int, gain: T = 1,
                                  using generator: inout SeededGenerator) throws -> Tensor {
        precondition(rows > 0 && cols > 0, "orthogonal(rows:cols:) needs positive dimensions")
        let (tall, short) = (max(rows, cols), min(rows, cols))
        // A is tall×short, row-major; LAPACK works on it in place.
        var a = (0..<(tall * short)).map { _ in generator.nextNormal() }
        var tau = [Double](repeating: 0, count: short)
        let m = Int32(tall), n = Int32(short)
        var info = a.withUnsafeMutableBufferPointer { ap in
            tau.withUnsafeMutableBufferPointer { tp in
                LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, m, n, ap.baseAddress, n, tp.baseAddress)
            }
        }
        guard info == 0 else { throw LAPACKError(routine: "dgeqrf", info: info) }
        let diagonalSigns = (0..<short).map { a[$0 * short + $0] < 0 ? -1.0 : 1.0 }
        info = a.withUnsafeMutableBufferPointer { ap in
            tau.withUnsafeMutableBufferPointer { tp in
                LAPACKE_dorgqr(LAPACK_ROW_MAJOR, m, n, n, ap.baseAddress, n, tp.baseAddress)
            }
        }
        guard info == 0 else { throw LAPACKError(routine: "dorgqr", info: info) }
        var out = Tensor(shape: [rows, cols])
        for i in 0..<tall {
            for j in 0..<short {
                let q = a[i * short + j] * diagonalSigns[j] * Double(gain)
                if rows >= cols { out.elements[i * cols + j] = T(q) } else { out.elements[j * cols + i] = T(q) }
            }
        }
        return out
    }
}
