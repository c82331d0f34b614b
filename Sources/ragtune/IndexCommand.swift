import ArgumentParser
import Foundation
import RagTuneModels
import RagTuneRetrieval
import RagTuneStorage

/// `ragtune index --store PATH INPUT...`: load, chunk, embed and store documents incrementally.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Add files and folders (txt, md, html, pdf, jsonl) to a store; unchanged documents are skipped.",
        discussion: "Each document is stored with its chunks and embeddings in one transaction, so an interrupted "
            + "run keeps every finished document and a re-run completes the rest. --prune removes documents whose "
            + "file is gone (or, for a JSONL file read in this run, whose line is gone).")

    @Option(help: "The store (an SQLite file; created when missing).")
    var store: String

    @Argument(help: "Files and folders to index.")
    var inputs: [String]

    @Option(name: .customLong("include"), help: "Only paths matching this glob (repeatable; e.g. '**/*.md').")
    var includes: [String] = []

    @Option(name: .customLong("exclude"), help: "Skip paths matching this glob (repeatable).")
    var excludes: [String] = []

    @Flag(help: "Remove stored documents whose source is gone.")
    var prune = false

    @Flag(help: "Re-chunk and re-embed every document, changed or not.")
    var force = false

    @Option(name: .customLong("id-prefix"),
            help: "Put this before every document id (e.g. 'x/'), so folders with files of the same name can share a store.")
    var idPrefix: String = ""

    @Option(name: .customLong("chunk-tokens"), help: "Token budget per chunk (MiniLM wordpieces, without [CLS]/[SEP]).")
    var chunkTokens: Int = 200

    @Option(help: "Tokens of overlap between consecutive chunks.")
    var overlap: Int = 32

    @OptionGroup var threadOptions: ThreadOptions

    @Option(name: .customLong("max-file-mb"), help: "Files larger than this many megabytes are reported and skipped.")
    var maxFileMB: Double = 50

    @OptionGroup var indexOptions: VectorIndexOptions

    @Flag(help: "Print one JSON summary object on stdout.")
    var json = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one file or folder to index") }
        guard chunkTokens >= 16, chunkTokens <= 254 else { throw ValidationError("--chunk-tokens must be in 16...254") }
        guard overlap >= 0, overlap < chunkTokens else { throw ValidationError("--overlap must be in 0..<chunk-tokens") }
        guard maxFileMB > 0 else { throw ValidationError("--max-file-mb must be positive") }
    }

    func run() throws {
        let loaded = DocumentLoader(maxFileBytes: Int64(maxFileMB * 1_000_000))
            .load(paths: inputs.map { URL(fileURLWithPath: $0) }, include: includes, exclude: excludes, idPrefix: idPrefix)
        for issue in loaded.issues { logError("\(issue)") }
        if loaded.documents.isEmpty && !loaded.failures.isEmpty {
            // Nothing could be read: no store is created or changed (and nothing pruned).
            logError("error: no input could be read (\(loaded.failures.count) failed); the store was not touched")
            throw ExitCode(1)
        }
        let database = try openEmbeddingStore(store)
        let embedder = try MiniLMEmbedder(threads: threadOptions.threads)
        let chunker = try miniLMChunker(embedder, maxTokens: chunkTokens, overlap: overlap)
        let started = Date()
        var bar = ProgressBar("indexing", total: loaded.documents.count)
        let ingested = try StoreIngestor(store: database, chunker: chunker, force: force, embed: embedder.embed)
            .ingest(loaded.documents) { bar.update($0.done) }
        bar.finish(ingested.done)
        var removed = 0
        if prune {
            let loadedIds = Set(loaded.documents.map(\.id)), readSources = Set(loaded.documents.map(\.sourcePath))
            let gone = try database.documents().filter { id, source in
                !FileManager.default.fileExists(atPath: source) || (readSources.contains(source) && !loadedIds.contains(id))
            }
            removed = try database.remove(gone.map(\.id))
        }
        try indexOptions.indexes(for: store).refresh(database, vectorIndex: indexOptions.vectorIndex)
        let totals = try database.counts()
        let failed = loaded.failures.map { IndexSummary.Failure(path: $0.path, error: "\($0.error)") }
            + ingested.conflicts.map { IndexSummary.Failure(path: $0.source, error: "\($0)") }
        let summary = IndexSummary(
            store: store, added: ingested.added, replaced: ingested.replaced, updated: ingested.updated,
            moved: ingested.moved, unchanged: ingested.unchanged, removed: removed, chunksWritten: ingested.chunks,
            failedFiles: failed.count, failed: failed, documents: totals.documents, chunks: totals.chunks,
            seconds: Date().timeIntervalSince(started))
        if json {
            try printJSON(summary)
        } else {
            print("\(ingested.added) added, \(ingested.replaced) replaced, \(ingested.updated) updated, "
                  + "\(ingested.unchanged) unchanged, \(removed) removed, \(failed.count) failed; "
                  + "store now holds \(totals.documents) documents, \(totals.chunks) chunks")
            if !failed.isEmpty {
                logError("failed (\(failed.count)):")
                for failure in failed { logError("  \(failure.error)") }
            }
        }
        // Documents were refused for their ids: the run did not do what was asked, so scripts must
        // see it (a run that could read nothing already exited above).
        if !ingested.conflicts.isEmpty { throw ExitCode(1) }
    }
}

/// What `index --json` prints.
struct IndexSummary: Encodable {
    struct Failure: Encodable {
        var path: String
        var error: String
    }
    var store: String
    var added, replaced, updated, moved, unchanged, removed: Int
    var chunksWritten: Int
    var failedFiles: Int
    /// Every file (or JSONL line, or document refused for its id) that produced no document.
    var failed: [Failure]
    var documents, chunks: Int
    var seconds: Double

    enum CodingKeys: String, CodingKey {
        case store, added, replaced, updated, moved, unchanged, removed, chunksWritten = "chunks_written",
             failedFiles = "failed_files", failed, documents, chunks, seconds
    }
}

/// Opens (creating) the store at `path` for MiniLM embeddings, refusing one built with another model.
func openEmbeddingStore(_ path: String) throws -> SQLiteStore {
    let database = try SQLiteStore(path: path)
    let model = "all-MiniLM-L6-v2"
    if let stored = try database.setting("embedding_model"), stored != model {
        throw ValidationError("\(path) was built with \(stored); RagTune embeds with \(model)")
    }
    try database.setSetting("embedding_model", model)
    return database
}

/// A chunker sizing chunks in MiniLM wordpieces (without [CLS]/[SEP]), the unit of `--chunk-tokens`.
func miniLMChunker(_ embedder: MiniLMEmbedder, maxTokens: Int, overlap: Int) throws -> TextChunker {
    let tokenizer = embedder.tokenizer
    return try TextChunker(maxTokens: maxTokens, overlapTokens: overlap, countTokens: { max(0, tokenizer.encode($0).count - 2) })
}
