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

    @Option(name: .customLong("chunk-tokens"), help: "Token budget per chunk (MiniLM wordpieces, without [CLS]/[SEP]).")
    var chunkTokens: Int = 200

    @Option(help: "Tokens of overlap between consecutive chunks.")
    var overlap: Int = 32

    @Option(help: "Worker threads.")
    var threads: Int = 2

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
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let database = try openEmbeddingStore(store)
        let loaded = DocumentLoader(maxFileBytes: Int64(maxFileMB * 1_000_000))
            .load(paths: inputs.map { URL(fileURLWithPath: $0) }, include: includes, exclude: excludes)
        for issue in loaded.issues { logError("\(issue)") }
        let embedder = try MiniLMEmbedder(threads: threads)
        let chunker = try miniLMChunker(embedder, maxTokens: chunkTokens, overlap: overlap)
        let started = Date()
        var bar = ProgressBar("indexing", total: loaded.documents.count)
        let ingested = try StoreIngestor(store: database, chunker: chunker, embed: embedder.embed)
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
        let summary: [String: Any] = [
            "store": store, "added": ingested.added, "replaced": ingested.replaced, "unchanged": ingested.unchanged,
            "removed": removed, "chunks_written": ingested.chunks, "failed_files": loaded.failures.count,
            "documents": totals.documents, "chunks": totals.chunks, "seconds": Date().timeIntervalSince(started)]
        if json {
            print(JSONText.object(summary))
        } else {
            print("\(ingested.added) added, \(ingested.replaced) replaced, \(ingested.unchanged) unchanged, \(removed) removed, "
                  + "\(loaded.failures.count) failed; store now holds \(totals.documents) documents, \(totals.chunks) chunks")
        }
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
