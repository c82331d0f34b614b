import ArgumentParser
import Foundation
import RagTuneTensor
import RagTuneTraining

/// `ragtune merge`: folds LoRA adapters into the base GGUF and re-quantizes it.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge a LoRA adapter into the base model and write a GGUF that RagTune and llama.cpp load.",
        discussion: """
            Every layer matrix becomes W + (alpha/r)·B·A, stored as --quantize; the token embedding, \
            norms and all metadata (tokenizer, chat template) are copied from the base file.
            """)

    @Option(help: ArgumentHelp("LoRA adapter: a PEFT directory or a llama.cpp LoRA .gguf file.", valueName: "dir|file.gguf"))
    var adapter: String

    @Option(help: ArgumentHelp("Base model: smollm2 (installed) or a GGUF path.", valueName: "smollm2|path"))
    var base = "smollm2"

    @Option(help: ArgumentHelp("Type of the merged layer matrices.", valueName: "f16|q8_0|q4_1|q4_0|f32"))
    var quantize = "q8_0"

    @Option(help: "The merged GGUF to write.")
    var output: String

    @OptionGroup var threadOptions: ThreadOptions

    @OptionGroup var jsonOutput: JSONOutputOptions

    /// `--quantize` as a ggml type.
    var outputType: QuantType? {
        ModelMerger.outputTypes.first { "\($0)".lowercased() == quantize.lowercased() }
    }

    func validate() throws {
        guard outputType != nil else {
            throw ValidationError("--quantize must be one of "
                                  + ModelMerger.outputTypes.map { "\($0)".lowercased() }.joined(separator: ", "))
        }
    }

    func run() throws {
        let result = try ModelMerger.merge(baseModel: base, adapter: adapter, type: outputType!, output: output,
                                           threads: threadOptions.threads)
        if jsonOutput.json {
            try printJSON(result)
        } else {
            logError(String(format: "merged %d adapted matrices into %@ (%@, %.1f MB) in %.1f s",
                            result.adaptedMatrices, output, result.type, Double(result.bytes) / 1e6, result.seconds))
        }
    }
}
