import RagTuneModels
import RagTunePostgres
import RagTuneRetrieval
import RagTuneStorage

extension AnyDocumentStore {
    /// The embedding model of every store RagTune builds.
    public static let embeddingModel = "all-MiniLM-L6-v2"

    /// Opens the store a `--store` value names: a `postgres://` (or `postgresql://`) URL, or else an
    /// SQLite file.
    /// - Throws: `StorageError` naming the store (a URL without its password).
    public static func open(_ location: String, mode: StoreOpenMode) throws -> AnyDocumentStore {
        if PostgresLocation.isPostgresURL(location) {
            return AnyDocumentStore(try PostgresStore(location: PostgresLocation(url: location), mode: mode))
        }
        return AnyDocumentStore(try SQLiteStore(path: location, mode: mode))
    }

    /// Opens (creating) the store at `location` for writing MiniLM embeddings, and records the
    /// model in a new store.
    /// - Throws: `RAGError.embeddingModelMismatch` for a store built with another model, and
    ///   `StorageError` when it is not a usable store.
    public static func openForEmbedding(_ location: String) throws -> AnyDocumentStore {
        let store = try open(location, mode: .create)
        try store.recordEmbeddingModel()
        return store
    }

    /// Records MiniLM as the store's embedding model (a new store), or checks that it is.
    /// - Throws: `RAGError.embeddingModelMismatch` for a store built with another model.
    public func recordEmbeddingModel() throws {
        if let stored = try setting("embedding_model"), stored != Self.embeddingModel {
            throw RAGError.embeddingModelMismatch(path: path, stored: stored, expected: Self.embeddingModel)
        }
        try setSetting("embedding_model", Self.embeddingModel)
    }

    /// `location` as messages and reports may show it: a URL without its password.
    public static func displayName(_ location: String) -> String {
        PostgresLocation.isPostgresURL(location) ? ((try? PostgresLocation(url: location).description) ?? "postgres://…") : location
    }
}

/// The API keys of a server's `--store`: a `postgres://` URL (a table in its schema) or else a data
/// folder (its `keys.sqlite`).
public enum APIKeys {
    /// Opens them; with `create`, makes the file or tables when missing.
    /// - Throws: `StorageError.noKeys` when they do not exist and `create` is false.
    public static func open(_ store: String, create: Bool) throws -> any APIKeyRegistry {
        PostgresLocation.isPostgresURL(store)
            ? try PostgresAPIKeyStore(location: PostgresLocation(url: store), create: create)
            : try APIKeyStore(directory: store, create: create)
    }
}

extension TextChunker {
    /// A chunker sizing chunks in MiniLM wordpieces (without [CLS]/[SEP]), the unit of `--chunk-tokens`.
    /// - Throws: `RetrievalError` for an overlap that is not smaller than `maxTokens`.
    public static func miniLM(_ embedder: MiniLMEmbedder, maxTokens: Int, overlap: Int) throws -> TextChunker {
        let tokenizer = embedder.tokenizer
        return try TextChunker(maxTokens: maxTokens, overlapTokens: overlap, countTokens: { max(0, tokenizer.encode($0).count - 2) })
    }
}
