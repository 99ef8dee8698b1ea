import Tasks
import Tensor
import Verification

/// Golden-file binding of Specs/ShapesTasks.md. Input `form` selects the rule group:
/// `render` (`objects`, `probes` → `color_counts`, `probe_colors`; ShapesTasks-1, -2),
/// `answer` (`objects`, `question` → `text`, `answer`, `references`; ShapesTasks-3 … -8),
/// `captions` (`objects` → `brief`, `objects_caption`, `detailed`; ShapesTasks-9),
/// `parse` (`caption` → `parsed_objects`, `relations`, `ignored`; ShapesTasks-10),
/// `vqa_metrics` (ShapesTasks-11) and `caption_metrics` (ShapesTasks-12). No gradients.
public struct ShapesTasksEvaluator: SpecEvaluator {
    public let spec = "ShapesTasks"
    public init() {}

    public var forms: [String] { Form.allCases.map(\.rawValue) }

    private enum Form: String, CaseIterable {
        case render, answer, captions, parse
        case vqaMetrics = "vqa_metrics", captionMetrics = "caption_metrics"
    }

    public func evaluate<T: Scalar>(_ inputs: GoldenInputs, as: T.Type) throws -> Outputs {
        guard inputs.contains("form") else { throw InputError.missingInput(argument: "form") }
        switch try inputs.convention("form", default: Form.render) {
        case .render:
            let scene = try Self.scene(inputs)
            let canvas = scene.render()
            let names = ShapeColor.allCases.map(\.rawValue) + ["white"]
            let colors = ShapeColor.allCases.map(\.rgb) + [.white]
            var counts = [Double](repeating: 0, count: colors.count)
            for y in 0..<canvas.height {
                for x in 0..<canvas.width {
                    if let k = colors.firstIndex(of: canvas.color(x: x, y: y)) { counts[k] += 1 }
                }
            }
            let probes = try Self.list(inputs.object["probes"] ?? .array([]), "probes").enumerated().map { i, p -> JSONValue in
                guard case .array(let xy) = p, xy.count == 2, let x = Self.int(xy[0]), let y = Self.int(xy[1]),
                      (0..<canvas.width).contains(x), (0..<canvas.height).contains(y) else {
                    throw InputError.invalidArgument(argument: "probes[\(i)]", reason: "expected [x, y] on the 64x64 canvas")
                }
                return .string(colors.firstIndex(of: canvas.color(x: x, y: y)).map { names[$0] } ?? "other")
            }
            return ["color_counts": .numbers(Tensor(counts)), "probe_colors": .json(.array(probes))]
        case .answer:
            let scene = try Self.scene(inputs)
            guard case .object(let q)? = inputs.object["question"] else { throw InputError.missingInput(argument: "question") }
            let question = try Self.question(GoldenInputs(q, location: inputs.location))
            let references = try question.references(in: scene)
            return ["text": .json(.string(question.text)), "answer": .json(.string(references[0])),
                    "references": .json(JSONValue(strings: references))]
        case .captions:
            let captions = ShapesCaptions(scene: try Self.scene(inputs))
            return ["brief": .json(.string(captions.brief)), "objects_caption": .json(.string(captions.objects)),
                    "detailed": .json(.string(captions.detailed))]
        case .parse:
            let parsed = ParsedCaption(parsing: try inputs.requiredString("caption"))
            let objects = parsed.objects.map { o -> JSONValue in
                .object(JSONObject([("shape", .string(o.shape.rawValue)), ("color", JSONValue(nullable: o.color?.rawValue)),
                                    ("size", JSONValue(nullable: o.size?.rawValue))]))
            }
            let relations = parsed.relations.map { r -> JSONValue in
                .array([.number(Double(r.first)), .string(r.relation.rawValue), .number(Double(r.second))])
            }
            return ["parsed_objects": .json(.array(objects)), "relations": .json(.array(relations)),
                    "ignored": .json(JSONValue(strings: parsed.ignored))]
        case .vqaMetrics:
            let predictions = try inputs.strings("predictions") ?? []
            let categories = try inputs.strings("categories") ?? []
            let references = try Self.list(inputs.object["references"] ?? .array([]), "references").enumerated().map { i, r in
                guard case .array(let items) = r else { throw InputError.invalidArgument(argument: "references[\(i)]", reason: "expected a list of strings") }
                return try GoldenInputs(JSONObject([("r", .array(items))])).strings("r") ?? []
            }
            let examples = try Self.examples(references: references, categories: categories)
            let correct = zip(predictions, examples).map { ShapesEvaluation.isCorrect($0, references: $1.references) ? 1.0 : 0.0 }
            let scores = try ShapesEvaluation.vqaAccuracy(predictions: predictions, examples: examples)
            return ["correct": .numbers(Tensor(correct)), "accuracy": OutputValue(scores.overall)]
                .merging(Self.categoryOutputs(scores, key: "per_category")) { a, _ in a }
        case .captionMetrics:
            let predictions = try inputs.strings("predictions") ?? []
            let detailed = try inputs.strings("detailed") ?? []
            let examples = try Self.examples(references: detailed.map { [$0] }, categories: try inputs.strings("categories") ?? [])
            let pairs = zip(predictions, detailed).map { ShapesEvaluation.objectMatch(prediction: $0, reference: $1) }
            let (recall, precision) = try ShapesEvaluation.captionObjectMatch(predictions: predictions, examples: examples)
            return ["recalls": .numbers(Tensor(pairs.map(\.recall))),
                    "precisions": .numbers(Tensor(pairs.map(\.precision))),
                    "recall": OutputValue(recall.overall), "precision": OutputValue(precision.overall)]
                .merging(Self.categoryOutputs(recall, key: "per_category_recall")) { a, _ in a }
                .merging(Self.categoryOutputs(precision, key: "per_category_precision")) { a, _ in a }
        }
    }

    /// `categories` (first-appearance order) and the per-category means under `key`.
    static func categoryOutputs(_ scores: CategoryScores, key: String) -> Outputs {
        let means = scores.categories.map { scores.perCategory[$0]! }
        return ["categories": .json(JSONValue(strings: scores.categories)), key: .numbers(Tensor(means))]
    }

    /// Blank examples carrying only references and categories (the metrics read nothing else).
    static func examples(references: [[String]], categories: [String]) throws -> [TaskExample] {
        guard references.count == categories.count else {
            throw InputError.shapeMismatch(argument: "categories", expected: [references.count], actual: [categories.count])
        }
        let blank = Observation(image: Canvas(width: 1, height: 1), prompt: "")
        return zip(references, categories).enumerated().map { i, rc in
            TaskExample(id: String(i), observation: blank, answer: rc.0.first ?? "", references: rc.0, category: rc.1)
        }
    }

    static func list(_ value: JSONValue, _ argument: String) throws -> [JSONValue] {
        guard case .array(let items) = value else { throw InputError.invalidArgument(argument: argument, reason: "expected a list") }
        return items
    }

    static func int(_ value: JSONValue) -> Int? {
        guard let d = value.numberValue, d.isFinite, d == d.rounded(), abs(d) < 1e9 else { return nil }
        return Int(d)
    }

    /// The scene under `objects`: fields checked before the scene's own rules (ShapesTasks Errors).
    static func scene(_ inputs: GoldenInputs) throws -> ShapesScene {
        guard let value = inputs.object["objects"] else { throw InputError.missingInput(argument: "objects") }
        let objects = try list(value, "objects").enumerated().map { i, item -> SceneObject in
            guard case .object(let fields) = item else { throw InputError.invalidArgument(argument: "objects[\(i)]", reason: "expected an object") }
            let o = GoldenInputs(fields, location: inputs.location)
            for key in ["shape", "color", "size", "column", "row"] where !o.contains(key) {
                throw InputError.missingInput(argument: "objects[\(i)].\(key)")
            }
            guard let column = try? o.integer("column"), let row = try? o.integer("row") else {
                throw InputError.invalidArgument(argument: "objects[\(i)]", reason: "column and row must be integers")
            }
            return SceneObject(try enumValue(o, "shape", i), try enumValue(o, "color", i), try enumValue(o, "size", i),
                               column: column, row: row)
        }
        return try ShapesScene(objects: objects)
    }

    static func enumValue<E: RawRepresentable & CaseIterable>(_ o: GoldenInputs, _ key: String, _ i: Int) throws -> E where E.RawValue == String {
        guard let raw = try? o.string(key), let value = E(rawValue: raw) else {
            throw InputError.invalidArgument(argument: "objects[\(i)].\(key)", reason: "unknown value")
        }
        return value
    }

    /// A question object: `type` and the fields that type needs (ShapesTasks-4 … -8).
    static func question(_ q: GoldenInputs) throws -> ShapesQuestion {
        func field<E: RawRepresentable & CaseIterable>(_ key: String) throws -> E where E.RawValue == String {
            guard q.contains(key) else { throw InputError.missingInput(argument: "question.\(key)") }
            return try q.convention(key, default: E.allCases.first!)
        }
        switch try q.requiredString("type") {
        case "color": return .color(of: try field("shape"))
        case "shape": return .shape(of: try field("color"))
        case "count":
            switch try q.requiredString("by") {
            case "shape": return .count(.shape(try field("shape")))
            case "color": return .count(.color(try field("color")))
            default: throw InputError.invalidArgument(argument: "question.by", reason: "expected shape or color")
            }
        case "position":
            return .position(first: try field("shape"), try field("color"), relation: try field("relation"),
                             second: try field("other_shape"), try field("other_color"))
        case "exists": return .exists(try field("shape"), try field("color"))
        default: throw InputError.invalidArgument(argument: "question.type", reason: "unknown question type")
        }
    }
}
