import Foundation
import Tensor
import Verification

/// The safetensors format (Specs/Model.md, "Files"): an 8-byte little-endian header length N, N
/// bytes of JSON `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`,
/// then the tensors' raw little-endian bytes, offsets relative to the end of the header.
///
/// Reading trusts nothing in the file: the header length is bounded by the file and by
/// `maximumHeaderBytes`, every shape's element count is checked against its byte range with
/// overflow checks before anything is allocated, ranges must tile the data section exactly
/// (no overlap, no gap, nothing past the end), and only F32 and F64 are accepted.
public enum Safetensors {
    public enum DType: String, Sendable { case f32 = "F32", f64 = "F64"
        var bytes: Int { self == .f32 ? 4 : 8 }
    }

    /// One header entry after validation.
    struct Entry { var name: String; var dtype: DType; var shape: [Int]; var begin: Int; var end: Int }

    /// Header JSON larger than this is refused (real headers are kilobytes).
    public static let maximumHeaderBytes = 16 << 20

    /// Tensors and metadata read from a file.
    public struct Contents<T: Scalar> {
        public var tensors: [String: Tensor<T>]
        public var dtypes: [String: DType]
        public var metadata: [String: String]
    }

    /// Weight files larger than this are refused before reading (the runner's models are megabytes).
    public static let maximumFileBytes = 4 << 30

    /// Reads every tensor of the file at `path` (read once into one buffer), converted to `T`.
    /// - Throws: `InputFileError` when the file cannot be read or exceeds `maximumFileBytes`;
    ///   `InputError` for malformed contents.
    public static func read<T: Scalar>(contentsOf path: String, as: T.Type = T.self) throws -> Contents<T> {
        try decode(InputFile.bytes(atPath: path, limit: maximumFileBytes), name: (path as NSString).lastPathComponent, as: T.self)
    }

    /// Decodes a safetensors byte string; errors name `name` and the offending entry.
    public static func decode<T: Scalar>(_ bytes: [UInt8], name: String, as: T.Type = T.self) throws -> Contents<T> {
        func fail(_ reason: String) -> InputError { InputError.invalidArgument(argument: name, reason: reason) }
        guard bytes.count >= 8 else { throw fail("is shorter than the 8-byte header length (truncated?)") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(maximumHeaderBytes) else { throw fail("declares a header of \(headerLength) bytes (limit \(maximumHeaderBytes))") }
        guard headerLength <= UInt64(bytes.count - 8) else { throw fail("declares a \(headerLength)-byte header but holds \(bytes.count - 8) bytes after the length (truncated?)") }
        let dataStart = 8 + Int(headerLength)
        let header: JSONValue
        do { header = try JSONValue(parsing: Array(bytes[8..<dataStart])) } catch { throw fail("header is not JSON (\(error))") }
        guard case .object(let entries) = header else { throw fail("header is not a JSON object") }
        let dataBytes = bytes.count - dataStart
        var parsed: [Entry] = []
        var metadata: [String: String] = [:]
        for (key, value) in entries {
            if key == "__metadata__" {
                guard case .object(let m) = value else { throw fail("__metadata__ is not an object") }
                for (k, v) in m {
                    guard case .string(let s) = v else { throw fail("__metadata__.\(k) is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard case .object(let o) = value, case .string(let dtypeName)? = o["dtype"],
                  case .array(let shapeJSON)? = o["shape"], case .array(let offsetsJSON)? = o["data_offsets"],
                  offsetsJSON.count == 2 else {
                throw fail("entry \(key) lacks dtype, shape or data_offsets")
            }
            guard let dtype = DType(rawValue: dtypeName) else { throw fail("entry \(key) has dtype \(dtypeName); only F32 and F64 are supported") }
            var shape: [Int] = []
            var elements = 1
            for extent in shapeJSON {
                guard case .number(let d) = extent, d >= 0, d == d.rounded(), d < 1e15 else { throw fail("entry \(key) has an invalid shape") }
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(d))
                guard !overflow, product <= dataBytes else { throw fail("entry \(key) has a shape larger than the file") }
                elements = product
                shape.append(Int(d))
            }
            var offsets: [Int] = []
            for o in offsetsJSON {
                guard case .number(let d) = o, d >= 0, d == d.rounded(), d <= Double(dataBytes) else {
                    throw fail("entry \(key) has data_offsets outside the data section (truncated?)")
                }
                offsets.append(Int(d))
            }
            guard offsets[0] <= offsets[1], offsets[1] - offsets[0] == elements * dtype.bytes else {
                throw fail("entry \(key): data_offsets span \(offsets[1] - offsets[0]) bytes for \(elements) \(dtype.rawValue) elements")
            }
            parsed.append(Entry(name: key, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]))
        }
        parsed.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for e in parsed {
            guard e.begin == cursor else {
                throw fail(e.begin < cursor ? "entry \(e.name) overlaps the previous tensor" : "gap before entry \(e.name)")
            }
            cursor = e.end
        }
        guard cursor == dataBytes else { throw fail("data section holds \(dataBytes) bytes but the tensors cover \(cursor)") }
        var tensors: [String: Tensor<T>] = [:]
        var dtypes: [String: DType] = [:]
        for e in parsed {
            let count = e.shape.reduce(1, *)
            var values = [T](repeating: 0, count: count)
            var p = dataStart + e.begin
            for i in 0..<count {
                switch e.dtype {
                case .f32:
                    var raw: UInt32 = 0
                    for k in 0..<4 { raw |= UInt32(bytes[p + k]) << (8 * UInt32(k)) }
                    values[i] = T(Float(bitPattern: raw))
                case .f64:
                    var raw: UInt64 = 0
                    for k in 0..<8 { raw |= UInt64(bytes[p + k]) << (8 * UInt64(k)) }
                    values[i] = T(Double(bitPattern: raw))
                }
                p += e.dtype.bytes
            }
            tensors[e.name] = try Tensor(shape: e.shape, elements: values, argument: e.name)
            dtypes[e.name] = e.dtype
        }
        return Contents(tensors: tensors, dtypes: dtypes, metadata: metadata)
    }

    /// Encodes tensors (sorted by name) as `dtype`, with `metadata` (transformers writes `format: pt`).
    public static func encode<T: Scalar>(_ tensors: [String: Tensor<T>], dtype: DType,
                                         metadata: [String: String] = ["format": "pt"]) -> [UInt8] {
        let names = tensors.keys.sorted()
        var header = JSONObject()
        if !metadata.isEmpty {
            header["__metadata__"] = .object(JSONObject(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        }
        var offset = 0
        for name in names {
            let t = tensors[name]!
            let size = t.count * dtype.bytes
            header[name] = .object(JSONObject([
                ("dtype", .string(dtype.rawValue)), ("shape", .array(t.shape.map { .number(Double($0)) })),
                ("data_offsets", .array([.number(Double(offset)), .number(Double(offset + size))])),
            ]))
            offset += size
        }
        var headerBytes = Array(JSONValue.object(header).serialized().utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + headerBytes.count + offset)
        let n = UInt64(headerBytes.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
        out += headerBytes
        for name in names {
            for x in tensors[name]!.elements {
                switch dtype {
                case .f32:
                    let raw = Float(x).bitPattern
                    for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: raw >> (8 * UInt32(k)))) }
                case .f64:
                    let raw = Double(x).bitPattern
                    for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: raw >> (8 * UInt64(k)))) }
                }
            }
        }
        return out
    }

    /// Writes `tensors` to `path` atomically.
    public static func write<T: Scalar>(_ tensors: [String: Tensor<T>], dtype: DType, to path: String,
                                        metadata: [String: String] = ["format": "pt"]) throws {
        try AtomicFile.write(Data(encode(tensors, dtype: dtype, metadata: metadata)), to: path)
    }
}
