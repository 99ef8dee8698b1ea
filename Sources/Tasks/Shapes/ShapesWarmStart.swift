import Tensor

/// Deliberately imperfect supervised targets for the warm start (Specs/ShapesTasks.md, Sampling,
/// Warm-start targets), so that RL starts below the ground truth and has room to improve.
public enum ShapesWarmStart {
    /// The VQA target: the answer, or with probability `noise` a wrong answer of the same type (half of
    /// those) or the type's vague answer (the other half).
    /// - Throws: `InputError.outOfRange` (`noise`) unless 0 ≤ noise ≤ 1.
    public static func vqaTarget(for item: ShapesVQAItem, noise: Double = 0.3, using g: inout SeededGenerator) throws -> String {
        try vqaTarget(answer: item.answer, kind: item.question.kind, noise: noise, using: &g)
    }

    /// `vqaTarget(for:noise:using:)` from an answer and its question type. One uniform draw decides
    /// whether to replace, a second which replacement; a wrong answer is uniform among the type's others.
    public static func vqaTarget(answer: String, kind: ShapesQuestion.Kind, noise: Double = 0.3,
                                 using g: inout SeededGenerator) throws -> String {
        guard noise >= 0, noise <= 1 else { throw InputError.outOfRange(argument: "noise", value: noise, range: "[0, 1]") }
        guard g.nextUniform() < noise else { return answer }
        if g.nextInt(below: 2) == 0 { return kind.vagueAnswer }
        return g.element(of: kind.answers.filter { $0 != answer })
    }

    /// The captioning target: `a {shape}` of the first object in reading order.
    public static func captionTarget(for scene: ShapesScene) -> String {
        "a \(scene.readingOrder[0].shape.rawValue)"
    }
}
