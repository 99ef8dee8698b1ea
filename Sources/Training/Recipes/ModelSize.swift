import Models

/// The model sizes a recipe can train (`--set model=...`).
public enum ModelSize: String, CaseIterable, Sendable {
    /// `ModelConfiguration.vlm` (two decoder layers of width 64, 64 image tokens): slower to train and,
    /// within a CPU-minutes budget, slower to learn to read its images (README, "Warm starts").
    case tiny
    /// One layer of width 16 in tower and decoder, 16 image tokens (about 36k parameters with a task's
    /// vocabulary): the recipes' default, a warm start in one to three minutes.
    case micro

    /// The configuration for a tokenizer's vocabulary and `imageSize`-pixel observations cut into
    /// `patchesPerSide`² patches (`tiny`: 8, i.e. 64 image tokens, by default; `micro`: always 4).
    public func configuration(vocabularySize: Int, imageTokenID: Int, imageSize: Int = 64, patchesPerSide: Int = 8) -> ModelConfiguration {
        switch self {
        case .tiny:
            var c = ModelConfiguration.vlm(vocabularySize: vocabularySize, imageTokenID: imageTokenID)
            c.vision.imageSize = imageSize
            c.vision.patchSize = imageSize / patchesPerSide
            return c
        case .micro:
            var v = VisionConfiguration(hiddenSize: 16, intermediateSize: 32, layers: 1, heads: 2, imageSize: imageSize,
                                        patchSize: imageSize / 4)
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
