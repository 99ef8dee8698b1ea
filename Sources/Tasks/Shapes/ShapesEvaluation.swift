import RLAlgorithms
import Tensor

/// A metric overall and per category.
public struct CategoryScores: Equatable, Sendable {
    public var overall: Double
    /// Category → mean score; categories in first-appearance order in `categories`.
    public var perCategory: [String: Double]
    public var categories: [String]
    public var counts: [String: Int]
}

/// Evaluation of shapes predictions (Specs/ShapesTasks.md ShapesTasks-11, ShapesTasks-12).
public enum ShapesEvaluation {
    /// ShapesTasks-11: whether `prediction`'s TextNormalization words equal, scalar by scalar, those of a reference.
    public static func isCorrect(_ prediction: String, references: [String]) -> Bool {
        let words = NormalizedText(normalizing: prediction).words
        return references.contains { NormalizedText(normalizing: $0).words == words }
    }

    /// ShapesTasks-11: exact-match accuracy overall and per category.
    /// - Throws: `InputError.empty` (`predictions`) for no examples, `.shapeMismatch` (`predictions`)
    ///   when the counts differ.
    public static func vqaAccuracy(predictions: [String], examples: [TaskExample]) throws -> CategoryScores {
        try checkCounts(predictions, examples)
        let scores = zip(predictions, examples).map { isCorrect($0, references: $1.references) ? 1.0 : 0.0 }
        return try meanScores(scores, categories: examples.map(\.category))
    }

    /// ShapesTasks-12 for one caption against the objects of a `detailed` reference caption.
    public static func objectMatch(prediction: String, reference: String) -> (recall: Double, precision: Double) {
        let predicted = ParsedCaption(parsing: prediction).objects
        let expected = ParsedCaption(parsing: reference).objects
        var unmatched = expected.map(Optional.some)
        let order = predicted.indices.sorted { (-predicted[$0].specifiedCount, $0) < (-predicted[$1].specifiedCount, $1) }
        var matched = 0
        for p in order {
            if let j = unmatched.firstIndex(where: { $0.map(predicted[p].matches) ?? false }) {
                unmatched[j] = nil
                matched += 1
            }
        }
        let recall = expected.isEmpty ? 0 : Double(matched) / Double(expected.count)
        let precision = predicted.isEmpty ? 0 : Double(matched) / Double(predicted.count)
        return (recall, precision)
    }

    /// ShapesTasks-12 over a data set: mean recall and precision overall and per category, each example
    /// scored against its `detailed` reference (the last of `references`).
    public static func captionObjectMatch(predictions: [String], examples: [TaskExample]) throws
        -> (recall: CategoryScores, precision: CategoryScores) {
        try checkCounts(predictions, examples)
        let scores = zip(predictions, examples).map { objectMatch(prediction: $0, reference: $1.references.last ?? "") }
        let categories = examples.map(\.category)
        return (try meanScores(scores.map(\.recall), categories: categories),
                try meanScores(scores.map(\.precision), categories: categories))
    }

    /// Means of `scores` overall and per category (sums left to right).
    public static func meanScores(_ scores: [Double], categories: [String]) throws -> CategoryScores {
        guard !scores.isEmpty else { throw InputError.empty(argument: "predictions", reason: "no examples to evaluate") }
        guard scores.count == categories.count else {
            throw InputError.shapeMismatch(argument: "categories", expected: [scores.count], actual: [categories.count])
        }
        var sums: [String: Double] = [:], counts: [String: Int] = [:], order: [String] = []
        for (s, c) in zip(scores, categories) {
            if counts[c] == nil { order.append(c) }
            sums[c, default: 0] += s
            counts[c, default: 0] += 1
        }
        return CategoryScores(overall: scores.reduce(0, +) / Double(scores.count),
                              perCategory: sums.reduce(into: [:]) { $0[$1.key] = $1.value / Double(counts[$1.key]!) },
                              categories: order, counts: counts)
    }

    static func checkCounts(_ predictions: [String], _ examples: [TaskExample]) throws {
        guard !examples.isEmpty else { throw InputError.empty(argument: "predictions", reason: "no examples to evaluate") }
        guard predictions.count == examples.count else {
            throw InputError.shapeMismatch(argument: "predictions", expected: [examples.count], actual: [predictions.count])
        }
    }
}
