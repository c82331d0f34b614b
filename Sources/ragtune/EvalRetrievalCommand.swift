import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTuneRetrieval
import RagTuneStorage

/// `ragtune eval retrieval`: BM25, dense (MiniLM) or hybrid (fused) retrieval over a BEIR-format
/// data set, in memory or through a store, scored with BEIR's metric definitions.
struct EvalRetrievalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrieval",
        abstract: "nDCG@10, Recall@100, MRR@10 of BM25, dense or hybrid retrieval on BEIR-format data.",
        discussion: """
            Documents are indexed as title + " " + text (as BEIR does). Queries without qrels are \
            skipped, as BEIR does. qps counts query-time work only (query embedding included). \
            Without --store the indexes live in memory for this run.
            """)

    @Option(help: "BEIR corpus.jsonl ({\"_id\", \"title\", \"text\"}).")
    var corpus: String

    @Option(help: "BEIR queries.jsonl ({\"_id\", \"text\"}).")
    var queries: String

    @Option(help: "Qrels TSV (query-id, corpus-id, score) or TREC qrels.")
    var qrels: String

    @Option(help: "bm25, dense or hybrid.")
    var mode: SearchMode = .bm25

    @Option(help: "Index the corpus into this store (incrementally, chunked like `ragtune index`) and search it; a document's score is its best chunk's.")
    var store: String?

    @Option(name: .customLong("chunk-tokens"), help: "With --store: token budget per chunk.")
    var chunkTokens: Int = 200

    @Option(help: "With --store: tokens of overlap between consecutive chunks.")
    var overlap: Int = 32

    @OptionGroup var indexOptions: VectorIndexOptions

    @Option(name: .customLong("run-out"), help: "Write the ranking as a TREC run file.")
    var runOut: String?

    @Option(help: "Documents retrieved per query (and per list before fusion).")
    var top: Int = 1000

    @OptionGroup var fusionOptions: FusionOptions

    @Option(name: .customLong("bm25-k1"))
    var k1: Double = 1.2

    @Option(name: .customLong("bm25-b"))
    var b: Double = 0.75

    @OptionGroup var threadOptions: ThreadOptions

    @OptionGroup var jsonOutput: JSONOutputOptions

    func validate() throws {
        guard chunkTokens >= 16, chunkTokens <= 254 else { throw ValidationError("--chunk-tokens must be in 16...254") }
        guard overlap >= 0, overlap < chunkTokens else { throw ValidationError("--overlap must be in 0..<chunk-tokens") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    /// What the flags ask for.
    var job: RetrievalEvaluationJob {
        var job = RetrievalEvaluationJob(corpusPath: corpus, queriesPath: queries, qrelsPath: qrels)
        job.mode = mode
        job.storePath = store
        job.chunkTokens = chunkTokens
        job.overlap = overlap
        job.vectorIndex = indexOptions.vectorIndex
        job.hnsw = indexOptions.hnswParameters
        job.runOut = runOut
        job.top = top
        job.fusion = fusionOptions.method
        job.fusionDepth = fusionOptions.depth
        job.bm25 = BM25Scoring(k1: k1, b: b)
        job.threads = threadOptions.threads
        return job
    }

    func run() throws {
        var bar: ProgressBar?
        let result = try RetrievalEvaluator.run(job, log: { logError($0) }) { stage, done, total in
            if bar?.label != stage { bar = ProgressBar(stage, total: total) }
            bar?.update(done)
            if done == total { bar?.finish(done) }
        }
        if jsonOutput.json { return try printJSON(result) }
        print(String(format: "%@: nDCG@10 %.4f  Recall@100 %.4f  MRR@10 %.4f  (%d queries, %.0f queries/s)",
                     mode.rawValue, result.ndcgAt10, result.recallAt100, result.mrrAt10, result.queries, result.qps))
    }
}
