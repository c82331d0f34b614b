import Foundation
import RagTuneRetrieval

/// Adds documents to a store incrementally: unchanged documents (same content hash) are skipped;
/// new and changed ones are chunked and embedded in batches that span documents (so short
/// documents still fill the embedder's batches), then each document is written with its chunks
/// in its own transaction. An interrupted run keeps every document already written; running it
/// again does the rest.
public struct StoreIngestor<Store: DocumentStore> {
    public let store: Store
    public let chunker: TextChunker
    /// Embeds texts, one L2-normalized vector each.
    public let embed: ([String]) throws -> [[Float]]
    /// Chunks gathered before one call to `embed`.
    public var chunksPerBatch: Int

    /// What an ingest did.
    public struct Counts: Sendable, Equatable {
        public var added = 0, replaced = 0, unchanged = 0, chunks = 0
        /// Documents looked at so far (added + replaced + unchanged).
        public var done: Int { added + replaced + unchanged }
    }

    public init(store: Store, chunker: TextChunker, chunksPerBatch: Int = 256,
                embed: @escaping ([String]) throws -> [[Float]]) {
        self.store = store
        self.chunker = chunker
        self.chunksPerBatch = max(1, chunksPerBatch)
        self.embed = embed
    }

    /// Ingests `documents` in order.
    /// - Parameter progress: called after each batch is committed, with the counts so far.
    public func ingest(_ documents: [SourceDocument], progress: (Counts) -> Void = { _ in }) throws -> Counts {
        var counts = Counts()
        var pending: [(document: SourceDocument, chunks: [Chunk])] = [], pendingChunks = 0
        func flush() throws {
            guard !pending.isEmpty else { return }
            let texts = pending.flatMap { $0.chunks.map(\.text) }
            let vectors = texts.isEmpty ? [] : try embed(texts)
            guard vectors.count == texts.count else {
                throw StorageError.mismatch(path: store.path, reason: "the embedder returned \(vectors.count) vectors for \(texts.count) chunks")
            }
            var next = 0
            for (document, chunks) in pending {
                let embeddings = Array(vectors[next..<next + chunks.count])
                next += chunks.count
                if try store.replace(document, chunks: chunks, embeddings: embeddings) { counts.added += 1 } else { counts.replaced += 1 }
                counts.chunks += chunks.count
            }
            pending.removeAll(keepingCapacity: true)
            pendingChunks = 0
            progress(counts)
        }
        for document in documents {
            if try store.contentHash(of: document.id) == document.contentHash {
                counts.unchanged += 1
                if pending.isEmpty && counts.unchanged % 256 == 0 { progress(counts) }
                continue
            }
            let chunks = chunker.chunk(document)
            pending.append((document, chunks))
            pendingChunks += chunks.count
            if pendingChunks >= chunksPerBatch { try flush() }
        }
        try flush()
        progress(counts)
        return counts
    }
}
