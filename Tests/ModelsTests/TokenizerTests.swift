import Foundation
import Models
import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Specs/Tokenizer.md: every golden case (Hugging Face tokenizers' own output), plus the file round
/// trip and the properties the tasks rely on.
@Suite("Tokenizer")
struct TokenizerTests {
    @Test("golden case", arguments: try Golden.cases("Tokenizer"))
    func golden(_ goldenCase: GoldenCase) {
        Golden.expectPasses(goldenCase, with: TokenizerEvaluator())
    }

    static let corpus = ["the red circle is left of the blue square", #"{"thoughts": "8/(3-8/3) = 24", "action": "+"}"#]

    @Test("tokenizer.json written by RLRef reads back as the same tokenizer")
    func fileRoundTrip() throws {
        let tokenizer = try WordLevelTokenizer(corpus: Self.corpus)
        let folder = NSTemporaryDirectory() + "rlref-tokenizer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try tokenizer.save(to: folder, modelMaxLength: 64)
        #expect(try WordLevelTokenizer.load(from: folder) == tokenizer)
    }

    @Test("offsets cut the text back into the pieces; decoding joins known words with spaces")
    func offsetsAndDecoding() throws {
        let tokenizer = try WordLevelTokenizer(corpus: Self.corpus)
        let text = Self.corpus[1]
        let scalars = Array(text.unicodeScalars)
        let (ids, offsets) = tokenizer.encode(text)
        for (id, range) in zip(ids, offsets) {
            #expect(String(String.UnicodeScalarView(scalars[range])) == tokenizer.vocabulary[id])
        }
        #expect(try tokenizer.decode(tokenizer.encode("the red circle").ids) == "the red circle")
        #expect { try tokenizer.decode([tokenizer.vocabulary.count]) } throws: { ($0 as? InputError)?.kind == "out_of_range" }
    }

    @Test("a tokenizer.json of another kind is a typed error")
    func foreignFiles() throws {
        let bpe = try JSONValue(parsing: #"{"model": {"type": "BPE", "vocab": {}}, "pre_tokenizer": null}"#)
        #expect { try WordLevelTokenizer(huggingFace: bpe) } throws: { ($0 as? InputError)?.kind == "invalid_argument" }
        let gaps = try JSONValue(parsing: #"{"model": {"type": "WordLevel", "vocab": {"a": 0, "b": 5}, "unk_token": "a"}, "#
            + #""pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "Punctuation", "behavior": "Isolated"}]}}"#)
        #expect { try WordLevelTokenizer(huggingFace: gaps) } throws: { ($0 as? InputError)?.kind == "invalid_argument" }
    }
}
