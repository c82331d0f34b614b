import Foundation
import RagTuneModels

/// The one loader of LoRA adapters for inference: a PEFT folder (`adapter_config.json` +
/// `adapter_model.safetensors`) or a llama.cpp LoRA `.gguf` file, both read into the unmerged
/// `LoRAAdapter` in GGUF row order. It lives in Training, beside the PEFT and GGUF adapter
/// readers and writers, because the PEFT reader needs the training layout (`LoRALayout`,
/// `LoRAParameters`); Models stays free of those (see docs/architecture.md).
public enum AdapterLoader {
    /// The adapter at `path`, for a decoder of `config`'s shape.
    /// - Throws: `ModelError.notFound` naming `path` when nothing is there; the readers' errors
    ///   (`ModelFilesError`, `TrainingError`) naming the file and tensor or key at fault.
    public static func load(_ path: String, config: LlamaConfig, locator: ModelLocator = ModelLocator()) throws -> LoRAAdapter {
        switch try locator.adapter(path) {
        case .peftFolder(let url): return try PEFTAdapter(directory: url, config: config).inferenceAdapter
        case .ggufFile(let url): return try GGUFAdapter.read(url: url, config: config)
        }
    }
}
