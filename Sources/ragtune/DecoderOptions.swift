import ArgumentParser
import Foundation
import RagTuneModels
import RagTuneTraining

/// Which decoder writes text (`generate`, `chat`, `ask`, `eval qa`): the installed SmolLM2 or
/// another GGUF (`--model-file`, e.g. one written by `ragtune merge`), with an optional LoRA
/// adapter applied unmerged (`--adapter`).
struct DecoderOptions: ParsableArguments {
    @Option(name: .customLong("model-file"),
            help: ArgumentHelp("A Llama GGUF to use instead of the installed SmolLM2 (e.g. from `ragtune merge`).",
                               valueName: "file.gguf"))
    var modelFile: String?

    @Option(help: ArgumentHelp("LoRA adapter: a PEFT directory (adapter_config.json + adapter_model.safetensors) "
                               + "or a llama.cpp LoRA .gguf file.", valueName: "dir|file.gguf"))
    var adapter: String?

    /// Whether either option was given.
    var isSet: Bool { modelFile != nil || adapter != nil }

    /// The decoder these options name, its adapter applied.
    func makeGenerator(threads: Int) throws -> TextGenerator {
        let generator = try modelFile.map { path -> TextGenerator in
            guard FileManager.default.fileExists(atPath: path) else {
                throw InputError.unreadable(path: path, reason: "no such model file")
            }
            return try TextGenerator(url: URL(fileURLWithPath: path), threads: threads)
        } ?? TextGenerator(threads: threads)
        try generator.setAdapter(load(config: generator.model.config))
        return generator
    }

    /// The adapter for a decoder of `config`'s shape, or nil without `--adapter`.
    func load(config: LlamaConfig) throws -> LoRAAdapter? {
        try adapter.map { try Self.load(path: $0, config: config) }
    }

    /// A PEFT directory or a llama.cpp LoRA GGUF at `path`, in GGUF row order.
    static func load(path: String, config: LlamaConfig) throws -> LoRAAdapter {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError.unreadable(path: path, reason: "no such adapter directory or file")
        }
        if isDirectory.boolValue {
            return try PEFTAdapter(directory: URL(fileURLWithPath: path), config: config).inferenceAdapter
        }
        return try GGUFAdapter.read(url: URL(fileURLWithPath: path), config: config)
    }
}
