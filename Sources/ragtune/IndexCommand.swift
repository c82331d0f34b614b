import ArgumentParser
import Foundation
import RagTuneRAG
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

    @Option(help: "The store: an SQLite file, or postgres://user@host:port/db[?schema=NAME] (created when missing).")
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

    @OptionGroup var jsonOutput: JSONOutputOptions

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one file or folder to index") }
        guard chunkTokens >= 16, chunkTokens <= 254 else { throw ValidationError("--chunk-tokens must be in 16...254") }
        guard overlap >= 0, overlap < chunkTokens else { throw ValidationError("--overlap must be in 0..<chunk-tokens") }
        guard maxFileMB > 0 else { throw ValidationError("--max-file-mb must be positive") }
    }

    /// What the flags ask for.
    var job: IndexJob {
        var job = IndexJob(storePath: store, inputs: inputs)
        job.include = includes
        job.exclude = excludes
        job.prune = prune
        job.force = force
        job.idPrefix = idPrefix
        job.chunkTokens = chunkTokens
        job.overlap = overlap
        job.maxFileBytes = Int64(maxFileMB * 1_000_000)
        job.vectorIndex = indexOptions.vectorIndex
        job.hnsw = indexOptions.hnswParameters
        job.threads = threadOptions.threads
        return job
    }

    func run() throws {
        var bar = ProgressBar("indexing", total: 0)
        let summary: IndexSummary
        do {
            summary = try DocumentIndexer.run(job, log: { logError($0) }) { done, total in
                bar.total = total
                bar.update(done)
            }
        } catch RAGError.nothingReadable(let failed) {
            logError("error: \(RAGError.nothingReadable(failed: failed))")
            throw ExitCode(1)
        }
        bar.finish(summary.processed)
        if jsonOutput.json {
            try printJSON(summary)
        } else {
            print("\(summary.added) added, \(summary.replaced) replaced, \(summary.updated) updated, "
                  + "\(summary.unchanged) unchanged, \(summary.removed) removed, \(summary.failedFiles) failed; "
                  + "store now holds \(summary.documents) documents, \(summary.chunks) chunks")
            if !summary.failed.isEmpty {
                logError("failed (\(summary.failed.count)):")
                for failure in summary.failed { logError("  \(failure.error)") }
            }
        }
        // Documents were refused for their ids: the run did not do what was asked, so scripts must
        // see it (a run that could read nothing already exited above).
        if summary.idConflicts > 0 { throw ExitCode(1) }
    }
}
