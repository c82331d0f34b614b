import RagTuneModels

/// Trained LoRA adapters of a Llama decoder with their hyper-parameters: what a PEFT adapter
/// directory holds (`adapter_config.json` + `adapter_model.safetensors`, see `PEFTAdapter+Files`),
/// and what `GGUFAdapter` and `ModelMerger` export.
///
/// `parameters` are in RagTune's (GGUF) row order; only the files are in Hugging Face order.
public struct PEFTAdapter: Sendable, Equatable {
    /// Rank, α, dropout and target modules.
    public let lora: LoRAConfiguration
    /// A `[r, in]` and B `[out, r]` of every layer and target, GGUF row order.
    public let parameters: LoRAParameters
    /// The decoder the adapters belong to (shapes, heads for the row order).
    public let config: LlamaConfig
    /// PEFT's `base_model_name_or_path`.
    public var baseModel: String

    /// The Hugging Face id of the model RagTune ships.
    public static let defaultBaseModel = "HuggingFaceTB/SmolLM2-135M-Instruct"

    /// - Throws: `TrainingError.shapeMismatch` when `parameters` are not laid out for `lora` on `config`.
    public init(lora: LoRAConfiguration, parameters: LoRAParameters, config: LlamaConfig,
                baseModel: String = PEFTAdapter.defaultBaseModel) throws {
        try lora.validate()
        let layout = LoRALayout(config: config, rank: lora.rank, targets: lora.targets)
        guard parameters.layout == layout, parameters.values.count == layout.count else {
            throw TrainingError.shapeMismatch("adapter parameters hold \(parameters.values.count) values in another "
                                              + "layout; rank \(lora.rank) on \(lora.targets.count) modules needs \(layout.count)")
        }
        self.lora = lora
        self.parameters = parameters
        self.config = config
        self.baseModel = baseModel
    }

    /// The trained weights of a `LoRAModel` on `config`'s decoder.
    public init(model: LoRAModel, baseModel: String = PEFTAdapter.defaultBaseModel) throws {
        try self.init(lora: model.lora, parameters: model.parameters, config: model.base.config, baseModel: baseModel)
    }

    /// The adapters as inference applies them (`LlamaSession.setAdapter`, `ModelMerger`): per layer
    /// and target, A, B and α/r.
    public var inferenceAdapter: LoRAAdapter {
        let layout = parameters.layout
        return LoRAAdapter(layers: (0..<layout.layerCount).map { l in
            var layer: [LlamaProjection: LoRAAdapter.Weights] = [:]
            for target in lora.targets {
                let shape = layout.shape(of: target)!
                // the layout guarantees the counts, so this cannot throw
                layer[target] = try! LoRAAdapter.Weights(
                    a: parameters.weights(layer: l, target: target, .a)!, b: parameters.weights(layer: l, target: target, .b)!,
                    rank: lora.rank, inFeatures: shape.columns, outFeatures: shape.rows, scale: lora.scale)
            }
            return layer
        })
    }
}
