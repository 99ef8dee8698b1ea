import Models

/// The model sizes a recipe can train (`--set model=...`).
public enum ModelSize: String, CaseIterable, Sendable {
    /// `ModelConfiguration.vlm`: the recipes' default.
    case tiny
    /// A 64×64-image model a few thousand parameters wide, for smoke tests.
    case micro

    public func configuration(vocabularySize: Int, imageTokenID: Int) -> ModelConfiguration {
        switch self {
        case .tiny:
            return .vlm(vocabularySize: vocabularySize, imageTokenID: imageTokenID)
        case .micro:
            var v = VisionConfiguration(hiddenSize: 16, intermediateSize: 32, layers: 1, heads: 2, imageSize: 64, patchSize: 16)
            v.projectionDimension = 16
            var t = TextConfiguration(vocabularySize: vocabularySize, hiddenSize: 16, intermediateSize: 32, layers: 1,
                                      heads: 2, keyValueHeads: 1)
            t.maxPositions = 256
            var c = ModelConfiguration(vision: v, text: t, imageTokenID: imageTokenID)
            c.visionFeatureLayer = -1
            return c
        }
    }
}
