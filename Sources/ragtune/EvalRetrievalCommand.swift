import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTuneModels
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

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard chunkTokens >= 16, chunkTokens <= 254 else { throw ValidationError("--chunk-tokens must be in 16...254") }
        guard overlap >= 0, overlap < chunkTokens else { throw ValidationError("--overlap must be in 0..<chunk-tokens") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        let documents = try BEIRCorpus(contentsOf: URL(fileURLWithPath: corpus)).documents
        let judgments = try Qrels(contentsOf: URL(fileURLWithPath: qrels))
        let allQueries = try BEIRQueries(contentsOf: URL(fileURLWithPath: queries)).queries
        let evaluated = allQueries.filter { !(judgments[$0.id] ?? [:]).isEmpty }
        guard !evaluated.isEmpty else { throw ValidationError("no query in \(queries) has judgments in \(qrels)") }
        let queryTexts = evaluated.map(\.text)
        logError("\(documents.count) documents, \(evaluated.count) of \(allQueries.count) queries have qrels; mode \(mode.rawValue)")

        var timings: [String: Double] = [:]
        let rankings = try store.map { try storeRankings(documents, queryTexts, store: $0, timings: &timings) }
            ?? inMemoryRankings(documents, queryTexts, timings: &timings)
        let searchSeconds = timings.filter { $0.key.hasSuffix("search_seconds") }.values.reduce(0, +)

        let run = Run(zip(evaluated, rankings).map { ($0.id, $1) })
        if let runOut { try run.writeTREC(to: URL(fileURLWithPath: runOut), tag: "ragtune-\(mode.rawValue)") }
        let report = try RetrievalMetrics.evaluate(run: run, qrels: judgments)
        let qps = Double(evaluated.count) / max(searchSeconds, 1e-9)
        var summary: [String: Any] = [
            "ndcg@10": report.averages["NDCG@10"] ?? 0, "recall@100": report.averages["Recall@100"] ?? 0,
            "mrr@10": report.averages["MRR@10"] ?? 0, "queries": report.queries.count, "qps": qps,
            "mode": mode.rawValue, "documents": documents.count, "threads": threadOptions.threads, "timings": timings,
        ]
        if mode == .hybrid { summary["fusion"] = fusionOptions.method.description }
        if let store { summary["store"] = store }
        if json {
            print(JSONText.object(summary))
        } else {
            print(String(format: "%@: nDCG@10 %.4f  Recall@100 %.4f  MRR@10 %.4f  (%d queries, %.0f queries/s)",
                         mode.rawValue, summary["ndcg@10"] as! Double, summary["recall@100"] as! Double,
                         summary["mrr@10"] as! Double, report.queries.count, qps))
        }
    }

    /// Rankings from indexes built in memory over whole documents (title + " " + text).
    private func inMemoryRankings(_ documents: [BEIRDocument], _ queryTexts: [String],
                                  timings: inout [String: Double]) throws -> [[RetrievedDocument]] {
        let texts = documents.map { $0.title.isEmpty ? $0.text : $0.title + " " + $0.text }
        var lists: [[[ScoredDocument]]] = []
        if mode != .dense {
            let started = Date()
            let index = try BM25Index.build(documents: zip(documents, texts).map { ($0.id, $1) },
                                            scoring: BM25Scoring(k1: k1, b: b))
            timings["bm25_index_seconds"] = Date().timeIntervalSince(started)
            let searched = Date()
            lists.append(index.searchBatch(queryTexts, k: top, threads: threadOptions.threads))
            timings["bm25_search_seconds"] = Date().timeIntervalSince(searched)
        }
        if mode != .bm25 {
            let embedder = try MiniLMEmbedder(threads: threadOptions.threads)
            let started = Date()
            var index = ExactVectorIndex(dimension: embedder.dimension)
            var bar = ProgressBar("embedding corpus", total: texts.count)
            for start in stride(from: 0, to: texts.count, by: 512) {
                try index.add(contentsOf: embedder.embed(Array(texts[start..<min(start + 512, texts.count)])))
                bar.update(index.count)
            }
            bar.finish(index.count)
            timings["dense_index_seconds"] = Date().timeIntervalSince(started)
            let searched = Date()
            lists.append(try index.search(embedder.embed(queryTexts), k: top, threads: threadOptions.threads))
            timings["dense_search_seconds"] = Date().timeIntervalSince(searched)
        }
        let depth = fusionOptions.depth
        let rankings = mode == .hybrid
            ? zip(lists[0], lists[1]).map { fusionOptions.method.fuse(sparse: Array($0.prefix(depth)), dense: Array($1.prefix(depth)), limit: top) }
            : lists[0]
        return rankings.map { $0.map { RetrievedDocument(id: documents[$0.index].id, score: Double($0.score)) } }
    }

    /// Rankings from a store: the corpus is ingested (unchanged documents are skipped), the
    /// saved indexes are brought up to date, and each query's chunk ranking becomes a document
    /// ranking by each document's best chunk.
    private func storeRankings(_ documents: [BEIRDocument], _ queryTexts: [String], store path: String,
                               timings: inout [String: Double]) throws -> [[RetrievedDocument]] {
        guard k1 == 1.2, b == 0.75 else { throw ValidationError("--bm25-k1/--bm25-b: a store's BM25 uses k1 1.2, b 0.75") }
        let database = try openEmbeddingStore(path)
        let embedder = try MiniLMEmbedder(threads: threadOptions.threads)
        let chunker = try miniLMChunker(embedder, maxTokens: chunkTokens, overlap: overlap)
        var started = Date()
        var bar = ProgressBar("indexing corpus", total: documents.count)
        let sources = documents.map {
            SourceDocument(id: $0.id, sourcePath: corpus, title: $0.title, text: $0.text, metadata: $0.metadata, format: .jsonl)
        }
        let counts = try StoreIngestor(store: database, chunker: chunker, embed: embedder.embed).ingest(sources) { bar.update($0.done) }
        bar.finish(counts.done)
        timings["ingest_seconds"] = Date().timeIntervalSince(started)
        logError("ingested: \(counts.added) added, \(counts.replaced) replaced, \(counts.unchanged) unchanged")
        started = Date()
        let searcher = try indexOptions.indexes(for: path).searcher(for: database, mode: mode,
                                                                   vectorIndex: indexOptions.vectorIndex)
        timings["index_load_seconds"] = Date().timeIntervalSince(started)
        started = Date()
        let embeddings = mode == .bm25 ? nil : try embedder.embed(queryTexts)
        var rankings: [[RetrievedDocument]] = []
        for (q, text) in queryTexts.enumerated() {
            let hits = try searcher.search(text, embedding: embeddings?[q], mode: mode, k: top,
                                           fusion: fusionOptions.method, depth: fusionOptions.depth)
            var seen = Set<String>()
            rankings.append(hits.compactMap { hit in
                seen.insert(hit.chunk.chunk.documentID).inserted
                    ? RetrievedDocument(id: hit.chunk.chunk.documentID, score: Double(hit.score)) : nil
            })
        }
        timings["store_search_seconds"] = Date().timeIntervalSince(started)
        return rankings
    }
}
