import Foundation
import RagTuneModels
import RagTuneTokenizers
import RagTuneTraining

/// The models one server answers with: the decoder (with its registered LoRA adapters, applied
/// unmerged and switched per request), its decode batch and the MiniLM embedder. Used only on
/// the worker thread.
final class ServedModels {
    let generator: TextGenerator
    /// Chat and text completions, decoded together (`batch_size` at once).
    let batch: BatchedGenerator
    let embedder: MiniLMEmbedder
    /// The decoder's name in `model` (`ServerConfiguration.generatorName`).
    let generatorName: String
    private let adapters: [String: LoRAAdapter]
    /// The adapter applied now (its stored name; nil: the base decoder).
    private(set) var activeAdapter: String?

    /// The server-wide adapters' names, sorted.
    var adapterNames: [String] { adapters.keys.filter { !$0.contains("/") }.sorted() }

    /// Each tenant's own adapters' names, sorted (stored under the key `tenant/name`).
    var tenantAdapterNames: [String: [String]] {
        Dictionary(grouping: adapters.keys.filter { $0.contains("/") }.map { $0.split(separator: "/", maxSplits: 1).map(String.init) },
                   by: { $0[0] }).mapValues { $0.map { $0[1] }.sorted() }
    }

    /// Loads the decoder named by `configuration` (the installed SmolLM2 or `model_file`), its
    /// adapters and the installed MiniLM.
    /// - Throws: the loaders' errors, naming the file at fault.
    init(configuration: ServerConfiguration, directory: ModelDirectory) throws {
        let locator = ModelLocator(directory: directory)
        generatorName = configuration.generatorName
        generator = try TextGenerator(url: locator.weightsFile(configuration.modelFile ?? ModelCatalog.smollm2.name),
                                      threads: configuration.threads, precision: configuration.exact ? .exact : .int8)
        var adapters: [String: LoRAAdapter] = [:]
        let owned = configuration.tenantAdapters.flatMap { tenant, named in named.map { ("\(tenant)/\($0.key)", $0.value) } }
        for (key, path) in Array(configuration.adapters) + owned {
            do {
                adapters[key] = try AdapterLoader.load(path, config: generator.model.config, locator: locator)
            } catch {
                throw ServerConfigurationError.invalid("adapter '\(key)' (\(path)): \(error)")
            }
        }
        self.adapters = adapters
        batch = BatchedGenerator(generator: generator, maxSequences: configuration.batchSize)
        embedder = try MiniLMEmbedder(directory: directory, threads: configuration.threads)
    }

    /// Applies the adapter stored as `name` (`NAME`, or `tenant/NAME`; nil: the base model) unless it is already active; switching
    /// resets the decoder's caches, so requests to one adapter keep their shared prefixes. Only
    /// while no generation runs in the batch.
    func use(adapter name: String?) throws {
        guard name != activeAdapter else { return }
        try generator.setAdapter(name.flatMap { adapters[$0] })
        batch.forgetCachedPrefixes()
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
    /// Adapters only one tenant sees, by tenant.
    var tenantAdapterNames: [String: [String]] = [:]
    var tokenizer: BPETokenizer
    var template: ChatTemplate
    /// Positions the decoder holds: prompt + completion.
    var contextLength: Int
    /// When the server loaded the models (`created` in `/v1/models`).
    var created: Int

    /// The adapters `tenant` may use (server-wide ones, then its own), sorted.
    func adapters(for tenant: String?) -> [String] {
        adapterNames + (tenant.flatMap { tenantAdapterNames[$0] } ?? [])
    }

    /// Every id `model` may name for a caller of `tenant` (nil: no keys), generators first.
    func modelIds(for tenant: String?) -> [String] {
        [generatorName] + adapters(for: tenant).map { "\(generatorName)+\($0)" } + [embedderName]
    }

    /// Whether `model` names the decoder or an adapter `tenant` may use.
    func isGenerator(_ model: String, tenant: String?) -> Bool {
        model == generatorName || adapters(for: tenant).contains { model == "\(generatorName)+\($0)" }
    }

    /// The adapter a generation `model` names for a caller of `tenant`, as `ServedModels` stores it
    /// (`NAME` or `tenant/NAME`): nil for the base decoder. Another tenant's adapter is as unknown
    /// as one that does not exist.
    /// - Throws: `APIError.modelNotFound` for a name that is not a generator this caller may use.
    func adapter(forModel model: String, tenant: String?) throws -> String? {
        if model == generatorName { return nil }
        let prefix = generatorName + "+"
        if model.hasPrefix(prefix) {
            let name = String(model.dropFirst(prefix.count))
            if adapterNames.contains(name) { return name }
            if let tenant, tenantAdapterNames[tenant]?.contains(name) == true { return "\(tenant)/\(name)" }
        }
        if model == embedderName {
            throw APIError.invalid("'\(model)' is an embedding model; it cannot generate text", param: "model",
                                   code: "model_not_supported")
        }
        throw APIError.modelNotFound(model, known: modelIds(for: tenant))
    }
}
