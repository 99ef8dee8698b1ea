import Foundation
import Models
import RLAlgorithms
import Tasks
import Tensor

/// The tiny CLIP (Specs/CLIP.md) as the recipes' reward model: its tokenizer, unit-length text and
/// image embeddings, and the scores seeds 000, 001 and 004 use — each a cosine through the
/// SimilarityReward Spec's `cosineSimilarity`.
public struct CLIPRewardModel: Sendable {
    public var model: CLIPModel<Float>
    public let tokenizer: WordLevelTokenizer

    /// The special tokens of a CLIP tokenizer: `</s>` at id 3, not 2 (transformers pools at the
    /// largest id when `eos_token_id` is 2; Specs/CLIP.md).
    public static let specialTokens = ["<pad>", "<s>", "<unk>", "</s>"]

    /// A closed-vocabulary tokenizer for CLIP texts over `corpus` (pieces in first-seen order).
    public static func tokenizer(corpus: [String]) throws -> WordLevelTokenizer {
        let scratch = try WordLevelTokenizer(corpus: corpus)
        let pieces = scratch.vocabulary.filter { !WordLevelTokenizer.defaultSpecialTokens.contains($0) }
        return try WordLevelTokenizer(vocabulary: specialTokens + pieces, specialTokens: specialTokens, unknownToken: "<unk>")
    }

    public init(model: CLIPModel<Float>, tokenizer: WordLevelTokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Loads a CLIP folder written by the `clip` recipe (weights, config, tokenizer).
    public init(folder: String) throws {
        model = try ModelFolder.loadCLIP(folder, as: Float.self)
        tokenizer = try WordLevelTokenizer.load(from: folder)
    }

    /// `<s>` text `</s>`, right-padded, with the attention mask.
    public func tokens(_ texts: [String]) -> (tokens: [[Int]], mask: [[Bool]]) {
        let limit = model.configuration.text.maxPositions
        let rows = texts.map { text -> [Int] in
            let ids = tokenizer.encode(text).ids.prefix(limit - 2)
            return [tokenizer.id(of: "<s>")!] + ids + [tokenizer.id(of: "</s>")!]
        }
        let width = rows.map(\.count).max() ?? 0
        let pad = tokenizer.id(of: "<pad>")!
        return (rows.map { $0 + Array(repeating: pad, count: width - $0.count) },
                rows.map { Array(repeating: true, count: $0.count) + Array(repeating: false, count: width - $0.count) })
    }

    /// Normalised pixels [I, 3, S, S] of canvases.
    public func pixels(_ images: [Canvas]) throws -> Tensor<Float> {
        let size = model.configuration.vision.imageSize
        var elements: [Float] = []
        for image in images { elements += try ImagePreprocessing.pixelValues(image.image, size: size, as: Float.self).elements }
        return try Tensor(shape: [images.count, 3, size, size], elements: elements, argument: "pixel_values")
    }

    public func textEmbeddings(_ texts: [String]) throws -> Tensor<Float> {
        let (tokens, mask) = tokens(texts)
        return try model.textEmbeddings(tokens: tokens, attentionMask: mask)
    }

    public func imageEmbeddings(_ images: [Canvas]) throws -> Tensor<Float> {
        try model.imageEmbeddings(pixels: pixels(images))
    }

    /// Row-wise cosines of two embedding batches (SimilarityReward's function).
    static func cosines(_ a: Tensor<Float>, _ b: Tensor<Float>) throws -> [Double] {
        try cosineSimilarity(a, b).elements.map(Double.init)
    }

    /// Image–caption cosine per pair (seeds 001 and 004: the CLIP score of a caption).
    public func imageTextScores(images: [Canvas], texts: [String]) throws -> [Double] {
        try Self.cosines(imageEmbeddings(images), textEmbeddings(texts))
    }

    /// Text–text cosine per pair (seed 000: similarity of the answer to the reference answer).
    public func textTextScores(_ a: [String], _ b: [String]) throws -> [Double] {
        try Self.cosines(textEmbeddings(a), textEmbeddings(b))
    }

    /// Seed 001's render-and-compare reward: the caption rendered `renders` times by the
    /// caption-to-image renderer, each render's image–image cosine with `image`, averaged
    /// (Specs/SimilarityReward.md MonteCarlo estimate).
    public func renderScore(image: Canvas, caption: String, renders: Int, generator: inout SeededGenerator) throws -> Double {
        let drawn = (0..<renders).map { _ in CaptionRenderer.render(caption, using: &generator).image }
        let reference = try imageEmbeddings([image])
        let rendered = try imageEmbeddings(drawn)
        let repeated = try Tensor<Float>(shape: rendered.shape, elements: Array((0..<renders).map { _ in reference.elements }.joined()),
                                         argument: "reference")
        let draws = try Tensor<Double>(shape: [1, renders], elements: try Self.cosines(rendered, repeated), argument: "draws")
        return try monteCarloRewardEstimate(draws).mean[0]
    }
}
