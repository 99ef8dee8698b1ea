import Tensor

/// The stochastic caption-to-image renderer that stands in for seed 001's text-to-image model
/// (Specs/ShapesTasks.md, Sampling, Caption-to-image renderer): parses a caption (ShapesTasks-10),
/// draws unspecified colours and sizes uniformly, and lays the objects out in uniform random cells,
/// redrawing the layout until the caption's relations hold (ShapesTasks-3).
public enum CaptionRenderer {
    /// Layouts tried before the last one is kept with `relationsSatisfied == false`.
    public static let maximumLayoutAttempts = 64

    /// One rendering of a caption.
    public struct Rendering: Sendable {
        /// The scene laid out, or nil when the caption names no object (the image is then blank).
        public var scene: ShapesScene?
        public var image: Canvas
        public var parsed: ParsedCaption
        /// Whether every parsed relation holds in `scene`.
        public var relationsSatisfied: Bool
    }

    /// Renders `caption` once with `generator`. Deterministic in the generator's state.
    public static func render(_ caption: String, using generator: inout SeededGenerator) -> Rendering {
        render(ParsedCaption(parsing: caption), using: &generator)
    }

    /// Renders an already parsed caption.
    public static func render(_ parsed: ParsedCaption, using g: inout SeededGenerator) -> Rendering {
        guard !parsed.objects.isEmpty else {
            let blank = Canvas(width: ShapesScene.imageSize, height: ShapesScene.imageSize)
            return Rendering(scene: nil, image: blank, parsed: parsed, relationsSatisfied: true)
        }
        let attributes = parsed.objects.map { o in
            (o.shape, o.color ?? g.element(of: ShapeColor.allCases), o.size ?? g.element(of: ShapeSize.allCases))
        }
        var objects: [SceneObject] = []
        var satisfied = false
        for _ in 0..<maximumLayoutAttempts {
            let cells = g.shuffled(Array(0..<9))
            objects = attributes.enumerated().map { i, a in SceneObject(a.0, a.1, a.2, column: cells[i] % 3, row: cells[i] / 3) }
            satisfied = parsed.relations.allSatisfy { $0.relation.holds(objects[$0.first], objects[$0.second]) }
            if satisfied { break }
        }
        // At most 9 objects (ParsedCaption.maximumObjects) in distinct cells by construction.
        let scene = try! ShapesScene(objects: objects)
        return Rendering(scene: scene, image: scene.render(), parsed: parsed, relationsSatisfied: satisfied)
    }
}
