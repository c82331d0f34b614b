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

    @Flag(help: "Print one JSON summary object on stdout.")
    var json = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one file or folder to index") }
        guard chunkTokens >= 16, chunkTokens <= 254 else { throw ValidationError("--chunk-tokens must be in 16...254") }
        guard overlap >= 0, overlap < chunkTokens else { throw ValidationError("--overlap must be in 0..<chunk-tokens") }
    }

    func run() throws {
        let database = try SQLiteStore(path: store)
        let model = "all-MiniLM-L6-v2"
        if let stored = try database.setting("embedding_model"), stored != model {
            throw ValidationError("\(store) was built with \(stored); RagTune embeds with \(model)")
        }
        try database.setSetting("embedding_model", model)
        let loaded = DocumentLoader().load(paths: inputs.map { URL(fileURLWithPath: $0) }, include: includes, exclude: excludes)
        for issue in loaded.issues { logError("\(issue)") }
        let embedder = try MiniLMEmbedder(threads: threads)
        let tokenizer = embedder.tokenizer
        let chunker = try TextChunker(maxTokens: chunkTokens, overlapTokens: overlap,
                                      countTokens: { max(0, tokenizer.encode($0).count - 2) })
        var counts = (added: 0, replaced: 0, unchanged: 0, chunks: 0, removed: 0)
        let started = Date()
        for (n, document) in loaded.documents.enumerated() {
            if try database.contentHash(of: document.id) == document.contentHash { counts.unchanged += 1; continue }
            let chunks = chunker.chunk(document)
            let embeddings = try embedder.embed(chunks.map(\.text))
            if try database.replace(document, chunks: chunks, embeddings: embeddings) { counts.added += 1 } else { counts.replaced += 1 }
            counts.chunks += chunks.count
            if (n + 1) % 50 == 0 { logError("indexed \(n + 1)/\(loaded.documents.count) documents") }
        }
        if prune {
            let loadedIds = Set(loaded.documents.map(\.id)), readSources = Set(loaded.documents.map(\.sourcePath))
            let gone = try database.documents().filter { id, source in
                !FileManager.default.fileExists(atPath: source) || (readSources.contains(source) && !loadedIds.contains(id))
            }
            counts.removed = try database.remove(gone.map(\.id))
        }
        let totals = try database.counts()
        let summary: [String: Any] = [
            "store": store, "added": counts.added, "replaced": counts.replaced, "unchanged": counts.unchanged,
            "removed": counts.removed, "chunks_written": counts.chunks, "failed_files": loaded.failures.count,
            "documents": totals.documents, "chunks": totals.chunks, "seconds": Date().timeIntervalSince(started)]
        if json {
            print(JSONText.object(summary))
        } else {
            print("\(counts.added) added, \(counts.replaced) replaced, \(counts.unchanged) unchanged, \(counts.removed) removed, "
                  + "\(loaded.failures.count) failed; store now holds \(totals.documents) documents, \(totals.chunks) chunks")
        }
    }
}
