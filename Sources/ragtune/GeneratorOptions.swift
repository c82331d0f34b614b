import ArgumentParser
import Foundation
import RagTuneModels
import RagTuneRAG

/// Which model writes answers: the local SmolLM2 (optionally with a LoRA adapter), or any
/// OpenAI-compatible server (`ask`, `eval qa`).
struct GeneratorOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable { case local, openai }

    @Option(help: "local (SmolLM2 in-process) or openai (an OpenAI-compatible server: llama.cpp, vLLM, OpenAI).")
    var generator: Kind = .local

    @Option(name: .customLong("base-url"), help: "With --generator openai: the API root, e.g. http://127.0.0.1:8080/v1.")
    var baseURL: String?

    @Option(help: "With --generator openai: the model name to request.")
    var model: String?

    @Option(name: .customLong("api-key-env"), help: "Environment variable holding the API key (sent when set).")
    var apiKeyEnv = "OPENAI_API_KEY"

    @Option(name: .customLong("generator-context"), help: "With --generator openai: the model's context length in tokens.")
    var generatorContext = 4096

    @OptionGroup var decoderOptions: DecoderOptions

    func validate() throws {
        guard generator == .openai else { return }
        guard !decoderOptions.isSet else { throw ValidationError("--model-file, --adapter and --exact apply to the local generator only") }
        guard let baseURL, let url = URL(string: baseURL), url.scheme == "http" || url.scheme == "https" else {
            throw ValidationError("--generator openai needs --base-url http(s)://host:port/v1")
        }
        guard model?.isEmpty == false else { throw ValidationError("--generator openai needs --model NAME") }
        guard generatorContext >= 256 else { throw ValidationError("--generator-context must be at least 256") }
    }

    func make(threads: Int) throws -> any AnswerGenerator {
        switch generator {
        case .local:
            return LocalGenerator(try decoderOptions.makeGenerator(threads: threads))
        case .openai:
            return OpenAIGenerator(baseURL: URL(string: baseURL!)!, model: model!,
                                   apiKey: ProcessInfo.processInfo.environment[apiKeyEnv], contextTokens: generatorContext)
        }
    }
}
