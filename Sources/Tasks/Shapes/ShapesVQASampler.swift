import Tensor

/// Answer-first sampling of VQA questions with consistent scenes (Specs/ShapesTasks.md, Sampling, VQA):
/// the answer is drawn uniformly from the type's answer set, then a scene is built around it, so the
/// answers of every type are balanced by construction.
public enum ShapesVQASampler {
    /// A scene and a question of `kind` whose answer was drawn first.
    public static func sample(_ kind: ShapesQuestion.Kind, using g: inout SeededGenerator) -> (scene: ShapesScene, question: ShapesQuestion) {
        let shapes = ShapeKind.allCases, colors = ShapeColor.allCases
        var specs: [(ShapeKind, ShapeColor)] = []
        var fixedCells: [(Int, Int)] = []
        let question: ShapesQuestion
        switch kind {
        case .color:
            let color = g.element(of: colors), shape = g.element(of: shapes)
            specs = [(shape, color)]
            for _ in 0..<(1 + g.nextInt(below: 3)) {
                specs.append((g.element(of: shapes.filter { $0 != shape }), g.element(of: colors)))
            }
            question = .color(of: shape)
        case .shape:
            let shape = g.element(of: shapes), color = g.element(of: colors)
            specs = [(shape, color)]
            for _ in 0..<(1 + g.nextInt(below: 3)) {
                specs.append((g.element(of: shapes), g.element(of: colors.filter { $0 != color })))
            }
            question = .shape(of: color)
        case .count:
            let k = g.nextInt(below: 4)
            let byShape = g.nextInt(below: 2) == 0
            let shape = g.element(of: shapes), color = g.element(of: colors)
            let low = max(1, 2 - k), others = low + g.nextInt(below: 5 - k - low + 1)
            for _ in 0..<k {
                specs.append(byShape ? (shape, g.element(of: colors)) : (g.element(of: shapes), color))
            }
            for _ in 0..<others {
                specs.append(byShape ? (g.element(of: shapes.filter { $0 != shape }), g.element(of: colors))
                                     : (g.element(of: shapes), g.element(of: colors.filter { $0 != color })))
            }
            question = .count(byShape ? .shape(shape) : .color(color))
        case .position:
            let yes = g.nextInt(below: 2) == 0
            let relation = g.element(of: ShapesRelation.allCases)
            let a = (g.element(of: shapes), g.element(of: colors))
            var b = a
            while b == a { b = (g.element(of: shapes), g.element(of: colors)) }
            let (cellA, cellB) = g.element(of: (yes ? Self.cellPairs.holding : Self.cellPairs.failing)[relation]!)
            specs = [a, b]
            fixedCells = [(cellA, 0), (cellB, 1)]
            for _ in 0..<g.nextInt(below: 3) {
                var d = a
                while d == a || d == b { d = (g.element(of: shapes), g.element(of: colors)) }
                specs.append(d)
            }
            question = .position(first: a.0, a.1, relation: relation, second: b.0, b.1)
        case .exists:
            let yes = g.nextInt(below: 2) == 0
            let target = (g.element(of: shapes), g.element(of: colors))
            if yes {
                specs = [target]
                for _ in 0..<(1 + g.nextInt(below: 3)) { specs.append((g.element(of: shapes), g.element(of: colors))) }
            } else {
                let near = g.nextInt(below: 2) == 0
                    ? (g.element(of: shapes.filter { $0 != target.0 }), target.1)
                    : (target.0, g.element(of: colors.filter { $0 != target.1 }))
                specs = [near]
                for _ in 0..<(1 + g.nextInt(below: 3)) {
                    var d = target
                    while d == target { d = (g.element(of: shapes), g.element(of: colors)) }
                    specs.append(d)
                }
            }
            question = .exists(target.0, target.1)
        }
        let scene = placed(specs, fixedCells: fixedCells, using: &g)
        return (scene, question)
    }

    /// Ordered pairs of distinct cells by relation, split by whether the relation holds.
    static let cellPairs: (holding: [ShapesRelation: [(Int, Int)]], failing: [ShapesRelation: [(Int, Int)]]) = {
        let probe = { (cell: Int) in SceneObject(.circle, .red, .small, column: cell % 3, row: cell / 3) }
        let pairs = (0..<9).flatMap { i in (0..<9).filter { $0 != i }.map { (i, $0) } }
        var holding: [ShapesRelation: [(Int, Int)]] = [:], failing: [ShapesRelation: [(Int, Int)]] = [:]
        for relation in ShapesRelation.allCases {
            holding[relation] = pairs.filter { relation.holds(probe($0.0), probe($0.1)) }
            failing[relation] = pairs.filter { !relation.holds(probe($0.0), probe($0.1)) }
        }
        return (holding, failing)
    }()

    /// Objects with uniform sizes in uniform distinct cells; `fixedCells` pins (cell, object index).
    static func placed(_ specs: [(ShapeKind, ShapeColor)], fixedCells: [(Int, Int)], using g: inout SeededGenerator) -> ShapesScene {
        let taken = Set(fixedCells.map(\.0))
        var free = g.shuffled((0..<9).filter { !taken.contains($0) })[...]
        let objects = specs.enumerated().map { i, spec in
            let cell = fixedCells.first { $0.1 == i }?.0 ?? free.popFirst()!
            return SceneObject(spec.0, spec.1, g.element(of: ShapeSize.allCases), column: cell % 3, row: cell / 3)
        }
        // At most 9 objects in distinct cells by construction.
        return try! ShapesScene(objects: objects)
    }
}
