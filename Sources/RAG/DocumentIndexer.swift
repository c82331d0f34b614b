import Foundation
import RagTuneModels
import RagTuneRetrieval
import RagTuneStorage

/// What to index and how (`ragtune index`, the demo, a served collection's uploads).
public struct IndexJob: Sendable {
    /// The store (an SQLite file; created when missing).
    public var storePath: String
    /// Files and folders to index.
    public var inputs: [String]
    /// Only paths matching one of these globs (none: all).
    public var include: [String] = []
    /// Skip paths matching these globs.
    public var exclude: [String] = []
    /// Remove stored documents whose source is gone (or, for a JSONL file read in this run, whose line is gone).
    public var prune = false
    /// Re-chunk and re-embed every document, changed or not.
    public var force = false
    /// The inputs take over ids stored from other files (`StoreIngestor.takesOver`).
    public var takesOver = false
    /// Put before every document id, so folders with files of the same name can share a store.
    public var idPrefix = ""
    /// Token budget per chunk (MiniLM wordpieces, without [CLS]/[SEP]) and overlap between chunks.
    public var chunkTokens = 200
    public var overlap = 32
    /// Larger files are reported and skipped.
    public var maxFileBytes: Int64 = 50_000_000
    /// The vector index kept beside the store, and its HNSW settings for a new graph.
    public var vectorIndex: VectorIndexChoice = .auto
    public var hnsw = StoreIndexes.HNSWParameters()
    public var threads = 2

    public init(storePath: String, inputs: [String]) {
        self.storePath = storePath
        self.inputs = inputs
    }
}

/// What an index run did (`index --json`).
public struct IndexSummary: Encodable, Sendable {
    /// A file, JSONL line or document that produced no stored document, and why.
    public struct Failure: Encodable, Sendable {
        public var path: String
        public var error: String
    }
    public var store: String
    public var added, replaced, updated, moved, unchanged, removed: Int
    public var chunksWritten: Int
    public var failedFiles: Int
    /// Every file (or JSONL line, or document refused for its id) that produced no document.
    public var failed: [Failure]
    /// Documents refused because their id is not unique (also listed in `failed`).
    public var idConflicts: Int
    /// What the store holds after the run.
    public var documents, chunks: Int
    public var seconds: Double

    /// Documents looked at: added, replaced, updated, unchanged or refused.
    public var processed: Int { added + replaced + updated + unchanged + idConflicts }

    enum CodingKeys: String, CodingKey {
        case store, added, replaced, updated, moved, unchanged, removed, chunksWritten = "chunks_written",
             failedFiles = "failed_files", failed, documents, chunks, seconds
    }
}

/// Loads files and folders, chunks, embeds and stores them incrementally (`StoreIngestor`), prunes
/// what is gone and brings the saved indexes up to date: one call for everything `index` does.
public enum DocumentIndexer {
    /// Runs `job`.
    /// - Parameters:
    ///   - embedder: MiniLM, loaded with `job.threads` when nil.
    ///   - log: receives per-file issues and index rebuild notes.
    ///   - progress: documents looked at so far, and how many were loaded.
    /// - Throws: `RAGError.nothingReadable` when no input could be read (the store is neither
    ///   created nor changed), `RAGError.embeddingModelMismatch`, and storage and model errors.
    public static func run(_ job: IndexJob, embedder: MiniLMEmbedder? = nil,
                           log: @escaping @Sendable (String) -> Void = { _ in },
                           progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> IndexSummary {
        let loaded = DocumentLoader(maxFileBytes: job.maxFileBytes)
            .load(paths: job.inputs.map { URL(fileURLWithPath: $0) }, include: job.include, exclude: job.exclude, idPrefix: job.idPrefix)
        for issue in loaded.issues { log("\(issue)") }
        if loaded.documents.isEmpty && !loaded.failures.isEmpty {
            throw RAGError.nothingReadable(failed: loaded.failures.count)
        }
        let store = try AnyDocumentStore.openForEmbedding(job.storePath)
        let embedder = try embedder ?? MiniLMEmbedder(threads: job.threads)
        let chunker = try TextChunker.miniLM(embedder, maxTokens: job.chunkTokens, overlap: job.overlap)
        let started = Date()
        let total = loaded.documents.count
        var ingestor = StoreIngestor(store: store, chunker: chunker, force: job.force, embed: embedder.embed)
        ingestor.takesOver = job.takesOver
        let ingested = try ingestor.ingest(loaded.documents) { progress($0.done, total) }
        let removed = job.prune ? try prune(store, keeping: loaded.documents) : 0
        try StoreIndexes(storePath: job.storePath, hnswParameters: job.hnsw, log: log).refresh(store, vectorIndex: job.vectorIndex)
        let totals = try store.counts()
        let failed = loaded.failures.map { IndexSummary.Failure(path: $0.path, error: "\($0.error)") }
            + ingested.conflicts.map { IndexSummary.Failure(path: $0.source, error: "\($0)") }
        return IndexSummary(
            store: store.path, added: ingested.added, replaced: ingested.replaced, updated: ingested.updated,
            moved: ingested.moved, unchanged: ingested.unchanged, removed: removed, chunksWritten: ingested.chunks,
            failedFiles: failed.count, failed: failed, idConflicts: ingested.conflicts.count,
            documents: totals.documents, chunks: totals.chunks, seconds: Date().timeIntervalSince(started))
    }

    /// Removes stored documents whose file is gone, or whose line is gone from a JSONL file read in this run.
    private static func prune(_ store: AnyDocumentStore, keeping loaded: [SourceDocument]) throws -> Int {
        let loadedIds = Set(loaded.map(\.id)), readSources = Set(loaded.map(\.sourcePath))
        let gone = try store.documents().filter { id, source in
            !FileManager.default.fileExists(atPath: source) || (readSources.contains(source) && !loadedIds.contains(id))
        }
        return try store.remove(gone.map(\.id))
    }
}
