import ArgumentParser
import RagTuneModels
import RagTuneTraining

/// Which decoder writes text (`generate`, `chat`, `ask`, `eval qa`, `compare`): the installed
/// SmolLM2 or another GGUF (`--model-file`, e.g. one written by `ragtune merge`), with an optional
/// LoRA adapter applied unmerged (`--adapter`), on the int8 or the exact (`--exact`) decode path.
struct DecoderOptions: ParsableArguments {
    @Option(name: .customLong("model-file"),
            help: ArgumentHelp("A Llama GGUF to use instead of the installed SmolLM2 (e.g. from `ragtune merge`).",
                               valueName: "file.gguf"))
    var modelFile: String?

    @Option(help: ArgumentHelp("LoRA adapter: a PEFT directory (adapter_config.json + adapter_model.safetensors) "
                               + "or a llama.cpp LoRA .gguf file.", valueName: "dir|file.gguf"))
    var adapter: String?

    @Flag(help: ArgumentHelp("Decode with Float32 activations (the exact path the reference tests check) instead of "
                             + "the default int8 products (llama.cpp's scheme, 1.5-2x faster)."))
    var exact = false

    /// Whether any option was given.
    var isSet: Bool { modelFile != nil || adapter != nil || exact }

    /// The decoder these options name, its adapter applied.
    /// - Throws: `ModelError.notFound` naming a `--model-file` or `--adapter` path that does not exist.
    func makeGenerator(threads: Int) throws -> TextGenerator {
        let generator = try TextGenerator(url: ModelLocator().weightsFile(modelFile ?? ModelCatalog.smollm2.name),
                                          threads: threads, precision: exact ? .exact : .int8)
        try generator.setAdapter(load(config: generator.model.config))
        return generator
    }

    /// The adapter for a decoder of `config`'s shape, or nil without `--adapter`.
    func load(config: LlamaConfig) throws -> LoRAAdapter? {
        try adapter.map { try AdapterLoader.load($0, config: config) }
    }
}
