import RagTuneModels
import RagTuneRetrieval
import RagTuneStorage

extension SQLiteStore {
    /// The embedding model of every store RagTune builds.
    public static let embeddingModel = "all-MiniLM-L6-v2"

    /// Opens (creating) the store at `path` for writing MiniLM embeddings, and records the model
    /// in a new store.
    /// - Throws: `RAGError.embeddingModelMismatch` for a store built with another model, and
    ///   `StorageError` when the file is not a usable store.
    public static func openForEmbedding(_ path: String) throws -> SQLiteStore {
        let store = try SQLiteStore(path: path)
        if let stored = try store.setting("embedding_model"), stored != embeddingModel {
            throw RAGError.embeddingModelMismatch(path: path, stored: stored, expected: embeddingModel)
        }
        try store.setSetting("embedding_model", embeddingModel)
        return store
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
