import Tasks
import Tensor

/// Shapes VQA and shapes captioning (Specs/ShapesTasks.md) as the recipes see them.
public struct ShapesPolicyTask: SingleTurnTask {
    public let task: ShapesTask
    /// Fraction of wrong or vague VQA warm-start answers (captioning warm starts are always short).
    public let warmStartNoise: Double
    /// Fraction of warm-start demonstrations that are captions. VQA: detailed captions of a captioning
    /// scene — LLaVA's caption pretraining stage in miniature, which teaches a small model to read the
    /// image far faster than one-word answers do. Captioning: one of the scene's reference captions (any
    /// level of detail, uniformly) instead of the short "a {shape}", so that the warm start samples
    /// longer captions now and then and RL has something to prefer (README, "Warm starts").
    public let captionFraction: Double

    /// - Precondition: `warmStartNoise` and `captionFraction` lie in [0, 1] (recipe settings are range-checked).
    public init(_ task: ShapesTask, warmStartNoise: Double = 0.3, captionFraction: Double = 0) {
        precondition((0...1).contains(warmStartNoise) && (0...1).contains(captionFraction), "fractions must lie in [0, 1]")
        self.task = task
        self.warmStartNoise = warmStartNoise
        self.captionFraction = captionFraction
    }

    public var name: String { task.rawValue }
    public var corpus: [String] { ShapesVocabulary.corpus }

    /// Training examples from a fresh stream seeded by `generator`.
    public func examples(count: Int, generator: inout SeededGenerator) -> [TaskExample] {
        task.examples(split: .train, seed: generator.next(), count: count)
    }

    public func demonstrations(count: Int, generator: inout SeededGenerator) -> [(observation: Observation, response: String)] {
        let captions = (0..<count).filter { _ in generator.nextUniform() < captionFraction }.count
        let examples = examples(count: count - captions, generator: &generator)
        // `warmStartNoise` lies in [0, 1] (init), the only error warmStartTargets reports.
        let targets = try! task.warmStartTargets(for: examples, noise: warmStartNoise, using: &generator)
        let scenes = captions == 0 ? [] : ShapesTask.captioning.examples(split: .train, seed: generator.next(), count: captions)
        let described = scenes.map { scene in
            (scene.observation, task == .vqa ? scene.answer : scene.references[generator.nextInt(below: scene.references.count)])
        }
        return zip(examples, targets).map { ($0.observation, $1) } + described
    }

    public func showcase(split: DataSplit, count: Int, seed: UInt64) -> [(observation: Observation, answer: String)] {
        task.examples(split: split, seed: seed, count: count).map { ($0.observation, $0.answer) }
    }

    public func evaluationExamples(split: DataSplit, count: Int, seed: UInt64) -> [TaskExample] {
        task.examples(split: split, seed: seed, count: count)
    }

    /// The task's metrics (Specs/ShapesTasks.md), headline first (VQA accuracy, captioning object
    /// recall), then the rest by name.
    public func metrics(predictions: [String], examples: [TaskExample]) throws -> [(name: String, value: Double)] {
        let metrics = try task.evaluate(predictions: predictions, examples: examples)
        let headline = task == .vqa ? "accuracy" : "object_recall"
        return [(headline, metrics[headline]!)] + metrics.filter { $0.key != headline }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
