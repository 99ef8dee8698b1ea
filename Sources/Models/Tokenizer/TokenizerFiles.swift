import Foundation
import Tensor
import Verification

// tokenizer.json, tokenizer_config.json and special_tokens_map.json as Hugging Face tokenizers
// and transformers' PreTrainedTokenizerFast read them (Specs/Tokenizer.md, "Files").

extension WordLevelTokenizer {
    /// The tokenizer.json document: WordLevel model, WhitespaceSplit + isolated Punctuation, the
    /// special tokens as added tokens.
    public var huggingFaceJSON: JSONValue {
        let added = specialTokens.map { token -> JSONValue in
            .object(JSONObject([
                ("id", .number(Double(id(of: token)!))), ("content", .string(token)), ("single_word", .bool(false)),
                ("lstrip", .bool(false)), ("rstrip", .bool(false)), ("normalized", .bool(false)), ("special", .bool(true)),
            ]))
        }
        let vocab = JSONObject(vocabulary.enumerated().map { ($0.element, .number(Double($0.offset))) })
        return .object(JSONObject([
            ("version", .string("1.0")), ("truncation", .null), ("padding", .null), ("added_tokens", .array(added)),
            ("normalizer", .null),
            ("pre_tokenizer", Self.preTokenizerJSON),
            ("post_processor", .null), ("decoder", .null),
            ("model", .object(JSONObject([("type", .string("WordLevel")), ("vocab", .object(vocab)), ("unk_token", .string(unknownToken))]))),
        ]))
    }

    /// Reads a tokenizer.json of the layout above. - Throws: `invalidArgument` naming the field for any
    /// other model type, pre-tokenizer, normalizer or malformed entry.
    public init(huggingFace json: JSONValue) throws {
        func fail(_ field: String, _ reason: String) -> InputError { InputError.invalidArgument(argument: "tokenizer.json.\(field)", reason: reason) }
        guard case .object(let root) = json, case .object(let model)? = root["model"] else { throw fail("model", "is missing") }
        guard model["type"] == .string("WordLevel") else { throw fail("model.type", "only WordLevel is supported") }
        guard root["normalizer"] == nil || root["normalizer"] == .null else { throw fail("normalizer", "normalizers are not supported") }
        guard root["pre_tokenizer"] == Self.preTokenizerJSON else {
            throw fail("pre_tokenizer", "must be Sequence[WhitespaceSplit, Punctuation(Isolated)]")
        }
        guard case .object(let vocab)? = model["vocab"] else { throw fail("model.vocab", "is not an object") }
        guard vocab.keys.count <= 10_000_000 else { throw fail("model.vocab", "is too large") }
        var byID = [String?](repeating: nil, count: vocab.keys.count)
        for (token, value) in vocab {
            guard case .number(let d) = value, d == d.rounded(), d >= 0, d < Double(byID.count), byID[Int(d)] == nil else {
                throw fail("model.vocab", "ids must be 0..<\(byID.count), each used once")
            }
            byID[Int(d)] = token
        }
        guard case .string(let unknown)? = model["unk_token"] else { throw fail("model.unk_token", "is missing") }
        var specials: [String] = []
        if case .array(let added)? = root["added_tokens"] {
            for entry in added {
                guard case .object(let o) = entry, case .string(let content)? = o["content"] else { throw fail("added_tokens", "malformed entry") }
                specials.append(content)
            }
        }
        try self.init(vocabulary: byID.map { $0! }, specialTokens: specials, unknownToken: unknown)
    }

    /// Tokenizer-1 then Tokenizer-2 in tokenizers' vocabulary.
    static let preTokenizerJSON = JSONValue.object(JSONObject([
        ("type", .string("Sequence")),
        ("pretokenizers", .array([.object(JSONObject([("type", .string("WhitespaceSplit"))])),
                                  .object(JSONObject([("type", .string("Punctuation")), ("behavior", .string("Isolated"))]))])),
    ]))

    /// Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into `folder`, atomically.
    public func save(to folder: String, modelMaxLength: Int) throws {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        let roles: [(String, JSONValue)] = [("bos_token", .string(bosToken)), ("eos_token", .string(eosToken)),
                                            ("pad_token", .string(padToken)), ("unk_token", .string(unknownToken))]
        try AtomicFile.write(Data(huggingFaceJSON.serialized(indent: 2).utf8), to: path("tokenizer.json"))
        try AtomicFile.write(Data(JSONValue.object(JSONObject(roles)).serialized(indent: 2).utf8), to: path("special_tokens_map.json"))
        let config = JSONObject([("tokenizer_class", .string("PreTrainedTokenizerFast")), ("model_max_length", .number(Double(modelMaxLength))),
                                 ("extra_special_tokens", .object(JSONObject([("image_token", .string(imageToken))])))] + roles)
        try AtomicFile.write(Data(JSONValue.object(config).serialized(indent: 2).utf8), to: path("tokenizer_config.json"))
    }

    /// Reads tokenizer.json from `folder`.
    public static func load(from folder: String) throws -> WordLevelTokenizer {
        try WordLevelTokenizer(huggingFace: ModelFolder.readJSON((folder as NSString).appendingPathComponent("tokenizer.json")))
    }
}
