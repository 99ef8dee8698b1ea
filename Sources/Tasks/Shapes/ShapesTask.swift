import Tensor

/// The two shapes data sets by the names a trainer or `rlref` uses (`shapes-vqa`, `shapes-captioning`):
/// examples for a split, warm-start targets and the task's metrics in one place (Specs/ShapesTasks.md).
public enum ShapesTask: String, CaseIterable, Sendable {
    case vqa = "shapes-vqa"
    case captioning = "shapes-captioning"

    /// The first `count` examples of `split` for the run seed `seed` (rendered; deterministic).
    public func examples(split: DataSplit, seed: UInt64, count: Int) -> [TaskExample] {
        switch self {
        case .vqa: ShapesVQADataset.examples(split: split, seed: seed, count: count)
        case .captioning: ShapesCaptioningDataset.examples(split: split, seed: seed, count: count)
        }
    }

    /// The deliberately imperfect supervised targets for `examples` (Specs/ShapesTasks.md, Warm-start
    /// targets): VQA answers replaced with probability `noise` by a wrong or vague answer; for captioning
    /// `a {shape}` of the first object named by the detailed reference.
    /// - Throws: `InputError.outOfRange` (`noise`) unless 0 ≤ noise ≤ 1.
    public func warmStartTargets(for examples: [TaskExample], noise: Double = 0.3, using g: inout SeededGenerator) throws -> [String] {
        guard noise >= 0, noise <= 1 else { throw InputError.outOfRange(argument: "noise", value: noise, range: "[0, 1]") }
        switch self {
        case .vqa:
            return try examples.map { e in
                guard let kind = ShapesQuestion.Kind(rawValue: e.category) else {
                    throw InputError.invalidArgument(argument: "examples", reason: "\(e.id.sanitizedForMessage()) is not a shapes VQA example")
                }
                return try ShapesWarmStart.vqaTarget(answer: e.answer, kind: kind, noise: noise, using: &g)
            }
        case .captioning:
            return examples.map { e in
                ParsedCaption(parsing: e.references.last ?? "").objects.first.map { "a \($0.shape.rawValue)" } ?? ""
            }
        }
    }

    /// The task's metrics for `predictions` (one per example): VQA `accuracy` and `accuracy/<type>`;
    /// captioning `object_recall`, `object_precision` and `object_recall/<category>`.
    /// - Throws: `InputError.empty` / `.shapeMismatch` (`predictions`) as `ShapesEvaluation` does.
    public func evaluate(predictions: [String], examples: [TaskExample]) throws -> [String: Double] {
        switch self {
        case .vqa:
            let scores = try ShapesEvaluation.vqaAccuracy(predictions: predictions, examples: examples)
            return scores.perCategory.reduce(into: ["accuracy": scores.overall]) { $0["accuracy/\($1.key)"] = $1.value }
        case .captioning:
            let (recall, precision) = try ShapesEvaluation.captionObjectMatch(predictions: predictions, examples: examples)
            return recall.perCategory.reduce(into: ["object_recall": recall.overall, "object_precision": precision.overall]) {
                $0["object_recall/\($1.key)"] = $1.value
            }
        }
    }
}
