import Foundation
import Tensor
import Testing

@Suite("Tensor")
struct TensorTests {
    static func random(_ shape: [Int], _ g: inout SeededGenerator) -> Tensor<Double> {
        var t = Tensor<Double>(shape: shape)
        for i in t.elements.indices { t.elements[i] = g.nextNormal() }
        return t
    }

    /// Naive triple loop in Double, the reference for gemm.
    static func naiveProduct(_ a: Tensor<Double>, _ b: Tensor<Double>, _ ta: Bool, _ tb: Bool) -> Tensor<Double> {
        let (m, k) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let n = tb ? b.shape[0] : b.shape[1]
        var c = Tensor<Double>(shape: [m, n])
        for i in 0..<m { for j in 0..<n {
            var acc = 0.0
            for p in 0..<k { acc += (ta ? a[p, i] : a[i, p]) * (tb ? b[j, p] : b[p, j]) }
            c[i, j] = acc
        } }
        return c
    }

    @Test("matmul through BLAS matches a naive product for every transpose combination",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmul(_ transposes: (Bool, Bool)) {
        var g = SeededGenerator(seed: 11)
        let (m, k, n) = (5, 7, 3)
        let a = Self.random(transposes.0 ? [k, m] : [m, k], &g)
        let b = Self.random(transposes.1 ? [n, k] : [k, n], &g)
        let c = a.matmul(b, transposeSelf: transposes.0, transposeOther: transposes.1)
        let reference = Self.naiveProduct(a, b, transposes.0, transposes.1)
        #expect(c.shape == [m, n])
        for i in c.elements.indices {
            #expect(abs(c.elements[i] - reference.elements[i]) <= 1e-13 + 1e-13 * abs(reference.elements[i]))
        }
        let cf = a.converted(to: Float.self).matmul(b.converted(to: Float.self), transposeSelf: transposes.0, transposeOther: transposes.1)
        for i in cf.elements.indices {
            #expect(abs(Double(cf.elements[i]) - reference.elements[i]) <= 1e-5 + 1e-5 * abs(reference.elements[i]))
        }
    }

    @Test("logSumExp is exact at ±1e4 logits and with -inf entries")
    func logSumExpExtremes() throws {
        let x = try Tensor<Double>(shape: [3, 3], elements: [1e4, 1e4, -1e4, -.infinity, 0, -.infinity, -.infinity, -.infinity, -.infinity])
        let lse = x.logSumExpLastAxis()
        #expect(lse[0] == 1e4 + log(2.0))
        #expect(lse[1] == 0)
        #expect(lse[2] == -.infinity)
        let ls = x.logSoftmaxLastAxis()
        // x − lse loses the low bits of log 2 next to 1e4: one ulp of 1e4 is 1.8e-12.
        #expect(abs(ls[0, 0] + log(2.0)) <= 4e-12 && abs(ls[0, 2] - (-2e4 - log(2.0))) <= 4e-12)
        #expect(ls[1, 0] == -.infinity && ls[1, 1] == 0)
    }

    @Test("shape mismatch on construction is a typed error")
    func constructionError() {
        #expect(throws: InputError.shapeMismatch(argument: "x", expected: [2, 2], actual: [3])) {
            try Tensor<Double>(shape: [2, 2], elements: [1, 2, 3], argument: "x")
        }
    }

    @Test("orthogonal initialisation gives orthonormal rows or columns", arguments: [(4, 6), (6, 4), (5, 5)])
    func orthogonal(_ dims: (Int, Int)) throws {
        var g = SeededGenerator(seed: 3)
        let q = try Tensor<Double>.orthogonal(rows: dims.0, cols: dims.1, gain: 2, using: &g)
        let gram = dims.0 <= dims.1 ? q.matmul(q, transposeOther: true) : q.matmul(q, transposeSelf: true)
        let n = min(dims.0, dims.1)
        for i in 0..<n { for j in 0..<n {
            #expect(abs(gram[i, j] - (i == j ? 4 : 0)) <= 1e-12)
        } }
    }

    @Test("PNG write and read round-trip for gray, RGB and RGBA", arguments: [1, 3, 4])
    func pngRoundTrip(_ channels: Int) throws {
        let (w, h) = (5, 3)
        let pixels = (0..<(w * h * channels)).map { UInt8(($0 * 37) % 256) }
        let image = try PNGImage(width: w, height: h, channels: channels, pixels: pixels)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rlref-\(channels)-\(UUID()).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try image.write(to: path)
        #expect(try PNGImage(contentsOf: path) == image)
    }

    @Test("reading a missing or non-PNG file is a PNGError naming the path")
    func pngErrors() throws {
        #expect(throws: PNGError.self) { try PNGImage(contentsOf: "/nonexistent/x.png") }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rlref-bad-\(UUID()).png").path
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: PNGError.self) { try PNGImage(contentsOf: path) }
    }

    /// CRC-32 (ISO-HDLC) as PNG chunks use it.
    static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    @Test("a PNG header declaring more than maximumPixelBytes is refused before allocating")
    func pngSizeBound() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rlref-huge-\(UUID()).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PNGImage(width: 1, height: 1, channels: 4, pixels: [1, 2, 3, 4]).write(to: path)
        // IHDR's data (width, height, ...) starts at byte 16, its CRC (over type and data) at byte 29.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        for (offset, value) in [(16, UInt32(200_000)), (20, UInt32(200_000)), (29, 0)] {
            let v = offset == 29 ? Self.crc32(bytes[12..<29]) : value
            bytes.replaceSubrange(offset..<(offset + 4), with: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) })
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try PNGImage(contentsOf: path)
        } throws: { error in
            guard case .outOfRange(let argument, let value, let range)? = error as? InputError else { return false }
            return argument == path.sanitizedForMessage() && value == 160e9 && range.contains("200000×200000×4")
        }
    }
}
