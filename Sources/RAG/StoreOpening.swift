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
        if let stored = try store.setting("embedding_model"), stored != embeddingModel {
            throw RAGError.embeddingModelMismatch(path: store.path, stored: stored, expected: embeddingModel)
        }
        try store.setSetting("embedding_model", embeddingModel)
        return store
    }

    /// `location` as messages and reports may show it: a URL without its password.
    public static func displayName(_ location: String) -> String {
        PostgresLocation.isPostgresURL(location) ? ((try? PostgresLocation(url: location).description) ?? "postgres://…") : location
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
