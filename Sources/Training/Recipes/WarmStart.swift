import Models
import Tensor

/// A warm-start checkpoint (what `rlref sft` writes) loaded for RL: the model and its tokenizer.
/// The RL recipes add LoRA adapters (trainable) and a value head on top, and use the model with
/// adapters disabled as the frozen reference — the warm start itself.
public struct WarmStart {
    public var model: VisionLanguageModel<Float>
    public var format: PromptFormat

    /// Loads the model folder and tokenizer in `folder`.
    /// - Throws: the model folder's and tokenizer's typed errors.
    public init(folder: String) throws {
        model = try ModelFolder.load(folder, as: Float.self)
        let tokenizer = try WordLevelTokenizer.load(from: folder)
        format = PromptFormat(tokenizer: tokenizer, configuration: model.configuration)
    }

    /// Freezes the warm start, adds fresh `lora` adapters and, unless `valueHeadWidths` is nil, a value
    /// head with those hidden layers (seed 000: three layers in all); adapters and head train, and with
    /// `trainVision` also the vision tower and projector (RL4VLM's `--train-vision all`; the model with
    /// adapters disabled is then no longer the warm start).
    public mutating func prepareForRL(lora: LoRASettings, valueHeadWidths: [Int]?, trainVision: Bool = false,
                                      generator: inout SeededGenerator) throws {
        model.setTrainable { _ in false }
        try model.addAdapters(rank: lora.rank, alpha: lora.alpha, dropout: lora.dropout, targets: Set(lora.targets), using: &generator)
        if let valueHeadWidths {
            model.valueHead = ValueHead(inputWidth: model.configuration.text.hiddenSize, hiddenWidths: valueHeadWidths,
                                        activation: .relu, using: &generator)
        }
        model.setTrainable { name in
            name.contains("lora_") || name.hasPrefix("value_head.")
                || (trainVision && (name.hasPrefix("vision_tower.") || name.hasPrefix("multi_modal_projector.")))
        }
    }
}
