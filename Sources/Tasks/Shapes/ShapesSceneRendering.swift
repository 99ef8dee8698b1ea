/// Draws shapes scenes: Specs/ShapesTasks.md ShapesTasks-1 (geometry) and ShapesTasks-2 (rasterisation
/// through `Canvas`).
extension ShapesScene {
    /// The scene on a white 64×64 canvas, objects painted in list order.
    public func render() -> Canvas {
        var canvas = Canvas(width: Self.imageSize, height: Self.imageSize)
        for object in objects { canvas.draw(object) }
        return canvas
    }
}

extension Canvas {
    /// Paints one scene object (ShapesTasks-2): a filled box, disc or apex-up triangle.
    public mutating func draw(_ object: SceneObject) {
        let (cx, cy) = object.center
        let side = object.size.side, half = Double(side) / 2
        let x = Double(cx), y = Double(cy)
        switch object.shape {
        case .square:
            fillRectangle(x: cx - side / 2, y: cy - side / 2, width: side, height: side, color: object.color.rgb)
        case .circle:
            fillCircle(centerX: x, centerY: y, radius: half, color: object.color.rgb)
        case .triangle:
            fillPolygon([(x, y - half), (x + half, y + half), (x - half, y + half)], color: object.color.rgb)
        }
    }
}
