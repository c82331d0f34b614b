import Foundation
import RagTuneRetrieval

/// Adds documents to a store incrementally:
/// - unchanged documents (same content and fields hashes) are skipped;
/// - documents whose text is unchanged but whose source, ACL or metadata changed are updated in
///   place (no re-embedding; an ACL change reaches search at once);
/// - new and changed documents are chunked and embedded in batches that span documents (so short
///   documents still fill the embedder's batches), then each is written with its chunks in its own
///   transaction.
///
/// Ids are unique across all inputs of a store: two documents of one run with the same id are
/// both refused (`IdConflict`), and so is a document whose id is stored from another file that
/// still exists, unless `takesOver` (an update folder that supersedes the files indexed before). A
/// stored document whose file is gone is taken over by the new source ("moved").
/// An interrupted run keeps every document already written; running it again does the rest.
public struct StoreIngestor<Store: DocumentStore> {
    public let store: Store
    public let chunker: TextChunker
    /// Embeds texts, one L2-normalized vector each.
    public let embed: ([String]) throws -> [[Float]]
    /// Chunks gathered before one call to `embed`.
    public var chunksPerBatch: Int
    /// Re-chunk and re-embed every document, changed or not (`index --force`).
    public var force = false
    /// Documents of this run take over ids stored from other files that still exist (counted as
    /// moved) instead of being refused: applying a folder of updated documents (`compare --updates`).
    public var takesOver = false

    /// What an ingest did.
    public struct Counts: Sendable, Equatable {
        public var added = 0, replaced = 0, unchanged = 0, chunks = 0
        /// Documents whose text was unchanged but whose source, ACL or metadata were rewritten.
        public var updated = 0
        /// Documents stored from a file that is gone, now taken from their new source (also counted
        /// as replaced, updated or unchanged).
        public var moved = 0
        /// Documents refused because their id is not unique.
        public var conflicts: [IdConflict] = []
        /// Documents looked at so far (added + replaced + updated + unchanged + refused).
        public var done: Int { added + replaced + updated + unchanged + conflicts.count }

        public init(added: Int = 0, replaced: Int = 0, unchanged: Int = 0, chunks: Int = 0, updated: Int = 0,
                    moved: Int = 0, conflicts: [IdConflict] = []) {
            (self.added, self.replaced, self.unchanged, self.chunks) = (added, replaced, unchanged, chunks)
            (self.updated, self.moved, self.conflicts) = (updated, moved, conflicts)
        }
    }

    public init(store: Store, chunker: TextChunker, chunksPerBatch: Int = 256, force: Bool = false,
                embed: @escaping ([String]) throws -> [[Float]]) {
        self.store = store
        self.chunker = chunker
        self.chunksPerBatch = max(1, chunksPerBatch)
        self.force = force
        self.embed = embed
    }

    /// Ingests `documents` in order.
    /// - Parameter progress: called after each batch is committed, with the counts so far.
    public func ingest(_ documents: [SourceDocument], progress: (Counts) -> Void = { _ in }) throws -> Counts {
        var counts = Counts()
        counts.conflicts = IdConflict.within(documents)
        let refused = Set(counts.conflicts.map(\.id))
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
        for document in documents where !refused.contains(document.id) {
            let stored = try store.storedDocument(document.id)
            if let stored, !Self.sameFile(stored.source, document.sourcePath) {
                if !takesOver && FileManager.default.fileExists(atPath: stored.source) {
                    counts.conflicts.append(IdConflict(id: document.id, source: document.sourcePath,
                                                       otherSource: stored.source, otherIsStored: true))
                    continue
                }
                counts.moved += 1
            }
            if let stored, !force, stored.contentHash == document.contentHash {
                if stored.fieldsHash == document.fieldsHash {
                    counts.unchanged += 1
                    if pending.isEmpty && counts.unchanged % 256 == 0 { progress(counts) }
                } else {
                    try store.updateFields(document)
                    counts.updated += 1
                }
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

    /// Whether two source paths name the same file (paths as given, or after resolving `.`, `..`
    /// and symbolic links).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        a == b || URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
            == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
    }
}

/// A document refused because its id is not unique across the store's inputs.
public struct IdConflict: Sendable, Equatable, CustomStringConvertible {
    /// The id both documents have.
    public var id: String
    /// The refused document's file.
    public var source: String
    /// The other document's file.
    public var otherSource: String
    /// True when the other document is the stored one (from an earlier run), false when both came
    /// in this run (then both are refused).
    public var otherIsStored: Bool

    public init(id: String, source: String, otherSource: String, otherIsStored: Bool) {
        (self.id, self.source, self.otherSource, self.otherIsStored) = (id, source, otherSource, otherIsStored)
    }

    public var description: String {
        if otherIsStored {
            return "\(source): document id \"\(id)\" is already stored from \(otherSource), which still exists; "
                + "not replaced (index one of them with --id-prefix, or remove the stored one first)"
        }
        if source == otherSource {
            return "\(source): document id \"\(id)\" appears more than once; none of them was indexed"
        }
        return "\(source): document id \"\(id)\" also comes from \(otherSource) in this run; neither was indexed "
            + "(index the inputs with different --id-prefix values)"
    }

    /// One conflict per document whose id another document of `documents` also has, naming the
    /// first other source with that id.
    static func within(_ documents: [SourceDocument]) -> [IdConflict] {
        var sources: [String: [String]] = [:]
        for document in documents { sources[document.id, default: []].append(document.sourcePath) }
        return sources.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.flatMap { id, paths in
            paths.indices.map { i in
                IdConflict(id: id, source: paths[i], otherSource: paths[i == 0 ? 1 : 0], otherIsStored: false)
            }
        }
    }
}
