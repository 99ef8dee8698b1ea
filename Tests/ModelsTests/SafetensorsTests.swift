import Foundation
import Models
import Tensor
import Testing
import Verification

/// Specs/Model.md "Files": the safetensors reader trusts nothing in a file — every malformed header is a
/// typed error naming the file and the entry, and nothing is allocated from an unchecked field.
@Suite("Safetensors")
struct SafetensorsTests {
    static let tensors: [String: Tensor<Double>] = [
        "a": try! Tensor(shape: [2, 3], elements: [1, -2, 3.5, 0, 1e-300, -7]),
        "b": Tensor(scalar: 0.25),
        "c": Tensor(shape: [0, 4]),
    ]

    @Test("round trip in F32 and F64; F64 is exact", arguments: [Safetensors.DType.f32, .f64])
    func roundTrip(_ dtype: Safetensors.DType) throws {
        let bytes = Safetensors.encode(Self.tensors, dtype: dtype)
        let back: Safetensors.Contents<Double> = try Safetensors.decode(bytes, name: "t.safetensors")
        #expect(back.tensors.keys.sorted() == ["a", "b", "c"])
        #expect(back.metadata == ["format": "pt"])
        for (name, t) in Self.tensors {
            let expected = dtype == .f64 ? t : t.converted(to: Float.self).converted(to: Double.self)
            #expect(back.tensors[name] == expected, "\(name)")
            #expect(back.dtypes[name] == dtype)
        }
    }

    /// A file with `header` (raw JSON) followed by `data` bytes.
    static func file(header: String, declaredLength: UInt64? = nil, data: [UInt8]) -> [UInt8] {
        let h = Array(header.utf8)
        let n = declaredLength ?? UInt64(h.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + h + data
    }

    static let hostile: [(String, [UInt8])] = [
        ("shorter than 8 bytes", [1, 2, 3]),
        ("header length beyond the file", file(header: "{}", declaredLength: 1 << 40, data: [])),
        ("header length beyond the limit", file(header: "{}", declaredLength: UInt64(Safetensors.maximumHeaderBytes) + 1, data: [])),
        ("header not JSON", file(header: "{\"a\": [", data: [])),
        ("header not an object", file(header: "[1, 2]", data: [])),
        ("unknown dtype", file(header: #"{"a": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}"#, data: [0, 0])),
        ("shape overflowing Int", file(header: #"{"a": {"dtype": "F32", "shape": [4294967296, 4294967296, 16], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])),
        ("shape larger than the file", file(header: #"{"a": {"dtype": "F64", "shape": [1000000000], "data_offsets": [0, 8]}}"#, data: Array(repeating: 0, count: 8))),
        ("offsets not matching the shape", file(header: #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])),
        ("offsets past the end", file(header: #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, data: [0, 0, 0, 0])),
        ("overlapping tensors", file(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])),
        ("a gap", file(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#, data: Array(repeating: 0, count: 8))),
        ("trailing bytes", file(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: Array(repeating: 0, count: 12))),
        ("negative extent", file(header: #"{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}}"#, data: [])),
        ("missing fields", file(header: #"{"a": {"dtype": "F32"}}"#, data: [])),
        ("truncated data", Array(file(header: #"{"a": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}}"#, data: Array(repeating: 0, count: 16)).dropLast(3))),
    ]

    @Test("hostile files are typed errors naming the file", arguments: hostile.map(\.0))
    func hostileFiles(_ name: String) throws {
        let bytes = Self.hostile.first { $0.0 == name }!.1
        #expect {
            let _: Safetensors.Contents<Double> = try Safetensors.decode(bytes, name: "evil.safetensors")
        } throws: { error in
            guard let e = error as? InputError else { return false }
            return e.argument == "evil.safetensors" && e.description.unicodeScalars.allSatisfy(\.isPrintableInMessage)
        }
    }

    @Test("weights for another configuration are typed errors naming the tensor")
    func mismatchedWeights() throws {
        let model = try ModelTests.microModel()
        var weights = Dictionary(uniqueKeysWithValues: ParameterNames.base(model).map { ($0.0, model[keyPath: $0.1].value) })
        let config = model.configuration
        var missing = weights
        missing["language_model.lm_head.weight"] = nil
        #expect { try VisionLanguageModel(configuration: config, weights: missing) } throws: {
            ($0 as? InputError)?.kind == "missing_input" && ($0 as? InputError)?.argument.contains("lm_head") == true
        }
        var extra = weights
        extra["language_model.model.layers.9.mlp.up_proj.weight"] = Tensor(shape: [1])
        #expect { try VisionLanguageModel(configuration: config, weights: extra) } throws: { ($0 as? InputError)?.kind == "invalid_argument" }
        weights["multi_modal_projector.linear_1.weight"] = Tensor(shape: [3, 3])
        #expect { try VisionLanguageModel(configuration: config, weights: weights) } throws: { ($0 as? InputError)?.kind == "shape_mismatch" }
    }

    @Test("a missing or foreign model folder is a typed error")
    func foreignFolder() throws {
        #expect(throws: (any Error).self) { try ModelFolder.load("/nonexistent-rlref-folder", as: Double.self) }
        let folder = NSTemporaryDirectory() + "rlref-foreign-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(#"{"model_type": "bert"}"#.utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
        #expect { try ModelFolder.load(folder, as: Double.self) } throws: { ($0 as? InputError)?.kind == "invalid_argument" }
    }
}
