import Tensor

extension ModelConfiguration {
    /// The micro model of the golden files (GoldenData/Model): an 8×8 image in 4×4 patches, a
    /// 4-wide two-layer vision tower, an 8-wide two-layer decoder with grouped-query attention (4:2, head
    /// size 2) over a 32-token vocabulary, image token 31.
    public static var micro: ModelConfiguration {
        var v = VisionConfiguration(hiddenSize: 4, intermediateSize: 8, layers: 2, heads: 2, imageSize: 8, patchSize: 4)
        v.projectionDimension = 8
        var t = TextConfiguration(vocabularySize: 32, hiddenSize: 8, intermediateSize: 16, layers: 2, heads: 4, keyValueHeads: 2)
        t.maxPositions = 64
        return ModelConfiguration(vision: v, text: t, imageTokenID: 31)
    }

    /// The default model of the training recipes: a 64×64 image in 8×8 patches (64 image tokens), a
    /// 64-wide two-layer vision tower, a 128-wide four-layer decoder (4 heads, 2 key/value heads),
    /// 512 positions, features after the last vision layer (`vision_feature_layer` −1, so no layer is
    /// computed for nothing); the vocabulary size comes from the task's tokenizer.
    public static func vlm(vocabularySize: Int, imageTokenID: Int) -> ModelConfiguration {
        var v = VisionConfiguration(hiddenSize: 64, intermediateSize: 256, layers: 2, heads: 4, imageSize: 64, patchSize: 8)
        v.projectionDimension = 64
        var t = TextConfiguration(vocabularySize: vocabularySize, hiddenSize: 128, intermediateSize: 384, layers: 4, heads: 4, keyValueHeads: 2)
        t.maxPositions = 512
        var c = ModelConfiguration(vision: v, text: t, imageTokenID: imageTokenID)
        c.visionFeatureLayer = -1
        return c
    }
}
