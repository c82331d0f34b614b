import Foundation
import RagTuneModels
import RagTuneTokenizers
import RagTuneTraining

/// The models one server answers with: the decoder (with its registered LoRA adapters, applied
/// unmerged and switched per request) and the MiniLM embedder. Used only on the worker thread.
final class ServedModels {
    let generator: TextGenerator
    let embedder: MiniLMEmbedder
    /// The decoder's name in `model` (`ServerConfiguration.generatorName`).
    let generatorName: String
    private let adapters: [String: LoRAAdapter]
    private var activeAdapter: String?

    /// The registered adapters' names, sorted.
    var adapterNames: [String] { adapters.keys.sorted() }

    /// Loads the decoder named by `configuration` (the installed SmolLM2 or `model_file`), its
    /// adapters and the installed MiniLM.
    /// - Throws: the loaders' errors, naming the file at fault.
    init(configuration: ServerConfiguration, directory: ModelDirectory) throws {
        let locator = ModelLocator(directory: directory)
        generatorName = configuration.generatorName
        generator = try TextGenerator(url: locator.weightsFile(configuration.modelFile ?? ModelCatalog.smollm2.name),
                                      threads: configuration.threads, precision: configuration.exact ? .exact : .int8)
        var adapters: [String: LoRAAdapter] = [:]
        for (name, path) in configuration.adapters {
            do {
                adapters[name] = try AdapterLoader.load(path, config: generator.model.config, locator: locator)
            } catch {
                throw ServerConfigurationError.invalid("adapter '\(name)' (\(path)): \(error)")
            }
        }
        self.adapters = adapters
        embedder = try MiniLMEmbedder(directory: directory, threads: configuration.threads)
    }

    /// Applies the adapter `name` (nil: the base model) unless it is already active; switching
    /// resets the decoder's cache, so requests to one adapter keep their shared prefixes.
    func use(adapter name: String?) throws {
        guard name != activeAdapter else { return }
        try generator.setAdapter(name.flatMap { adapters[$0] })
        activeAdapter = name
    }
}

/// What request handlers need to know about the loaded models without waiting for the worker:
/// names, the tokenizers (to count and check prompts) and the context length.
struct ModelCatalogView: Sendable {
    /// The decoder's name in `model` (`smollm2`, or the `model_file`'s name without extension).
    var generatorName: String
    var embedderName: String
    /// Length of the embedder's vectors.
    var embeddingDimension: Int
    var adapterNames: [String]
    var tokenizer: BPETokenizer
    var template: ChatTemplate
    /// Positions the decoder holds: prompt + completion.
    var contextLength: Int
    /// When the server loaded the models (`created` in `/v1/models`).
    var created: Int

    /// Every id `model` may name, generators first.
    var modelIds: [String] {
        [generatorName] + adapterNames.map { "\(generatorName)+\($0)" } + [embedderName]
    }

    /// Whether `model` names the decoder or one of its adapters.
    func isGenerator(_ model: String) -> Bool {
        model == generatorName || adapterNames.contains { model == "\(generatorName)+\($0)" }
    }

    /// The adapter a generation `model` names: nil for the base decoder.
    /// - Throws: `APIError.modelNotFound` for a name that is not a served generator.
    func adapter(forModel model: String) throws -> String? {
        if model == generatorName { return nil }
        let prefix = generatorName + "+"
        if model.hasPrefix(prefix), adapterNames.contains(String(model.dropFirst(prefix.count))) {
            return String(model.dropFirst(prefix.count))
        }
        if model == embedderName {
            throw APIError.invalid("'\(model)' is an embedding model; it cannot generate text", param: "model",
                                   code: "model_not_supported")
        }
        throw APIError.modelNotFound(model, known: modelIds)
    }
}
