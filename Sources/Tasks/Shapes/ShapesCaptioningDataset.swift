import Tensor

/// One shapes captioning item before rendering.
public struct ShapesCaptioningItem: Equatable, Sendable {
    public var id: String
    public var scene: ShapesScene
    public var captions: ShapesCaptions

    /// The fixed instruction every captioning example uses as its prompt.
    public static let prompt = "describe the image."

    /// The rendered example: references `[brief, objects, detailed]`, answer `detailed`, category `objects-n`.
    public var example: TaskExample {
        TaskExample(id: id, observation: Observation(image: scene.render(), prompt: Self.prompt), answer: captions.detailed,
                    references: captions.all, category: "objects-\(scene.objects.count)")
    }
}

/// The shapes captioning data set (Specs/ShapesTasks.md, Sampling, Captioning): 2–4 objects with
/// uniform attributes in uniform distinct cells, an endless seeded stream per split.
public struct ShapesCaptioningDataset: Sendable {
    public private(set) var stream: SplitStream

    public init(split: DataSplit, seed: UInt64) {
        stream = SplitStream(split: split, seed: seed)
    }

    /// A scene of 2–4 uniform objects.
    public static func sampleScene(using g: inout SeededGenerator) -> ShapesScene {
        let count = 2 + g.nextInt(below: 3)
        let specs = (0..<count).map { _ in (g.element(of: ShapeKind.allCases), g.element(of: ShapeColor.allCases)) }
        return ShapesVQASampler.placed(specs, fixedCells: [], using: &g)
    }

    /// The next item (not rendered).
    public mutating func nextItem() -> ShapesCaptioningItem {
        let id = "shapes-captioning-\(stream.split.rawValue)-\(stream.seed)-\(stream.index)"
        return stream.draw(key: \.scene.description) { g in
            let scene = Self.sampleScene(using: &g)
            return ShapesCaptioningItem(id: id, scene: scene, captions: ShapesCaptions(scene: scene))
        }
    }

    /// The next rendered example.
    public mutating func next() -> TaskExample { nextItem().example }

    /// The first `count` examples of a split.
    public static func examples(split: DataSplit, seed: UInt64, count: Int) -> [TaskExample] {
        var data = ShapesCaptioningDataset(split: split, seed: seed)
        return (0..<max(0, count)).map { _ in data.next() }
    }
}
