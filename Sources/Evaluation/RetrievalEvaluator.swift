import Foundation
import RagTuneModels
import RagTuneRAG
import RagTuneRetrieval
import RagTuneStorage

/// What a retrieval evaluation runs (`eval retrieval`): a BEIR-format data set searched with BM25,
/// dense (MiniLM) or hybrid retrieval, in memory or through a store.
public struct RetrievalEvaluationJob: Sendable {
    /// BEIR corpus.jsonl ({"_id", "title", "text"}), queries.jsonl ({"_id", "text"}) and qrels (TSV or TREC).
    public var corpusPath: String
    public var queriesPath: String
    public var qrelsPath: String
    public var mode: SearchMode = .bm25
    /// Index the corpus into this store (incrementally, chunked like `index`) and search it; a
    /// document's score is its best chunk's. Nil: indexes over whole documents, in memory.
    public var storePath: String?
    /// With a store: token budget per chunk and overlap between chunks.
    public var chunkTokens = 200
    public var overlap = 32
    public var vectorIndex: VectorIndexChoice = .auto
    public var hnsw = StoreIndexes.HNSWParameters()
    /// Write the ranking as a TREC run file here.
    public var runOut: String?
    /// Documents retrieved per query (and per list before fusion).
    public var top = 1000
    public var fusion: FusionMethod = .weighted(denseWeight: 0.5)
    /// Hits each retriever contributes before fusion.
    public var fusionDepth = 100
    /// BM25 parameters of the in-memory index (a store's BM25 uses the defaults).
    public var bm25 = BM25Scoring()
    public var threads = 2

    public init(corpusPath: String, queriesPath: String, qrelsPath: String) {
        self.corpusPath = corpusPath
        self.queriesPath = queriesPath
        self.qrelsPath = qrelsPath
    }
}

/// The result of a retrieval evaluation (`eval retrieval --json`). Queries without qrels are
/// skipped, as BEIR does; `qps` counts query-time work only (query embedding included).
public struct RetrievalEvaluation: Encodable, Sendable {
    public var ndcgAt10, recallAt100, mrrAt10: Double
    public var queries: Int
    public var qps: Double
    public var mode: String
    public var documents: Int
    public var threads: Int
    /// Seconds per stage (index build, ingest, search, …).
    public var timings: [String: Double]
    /// The fusion method (hybrid only).
    public var fusion: String?
    /// The store searched (nil: in memory).
    public var store: String?
    /// Every metric, per query (not part of the JSON summary).
    public var report: RetrievalReport

    private enum CodingKeys: String, CodingKey {
        case ndcgAt10 = "ndcg@10", recallAt100 = "recall@100", mrrAt10 = "mrr@10", queries, qps, mode, documents,
             threads, timings, fusion, store
    }
}

/// Runs retrieval evaluations with BEIR's metric definitions (nDCG@10, Recall@100, MRR@10).
public enum RetrievalEvaluator {
    /// Runs `job`.
    /// - Parameters:
    ///   - log: receives data set counts, ingest counts and index rebuild notes.
    ///   - progress: what is being done ("embedding corpus", "indexing corpus"), items done and total.
    /// - Throws: `EvaluationError` for unreadable files, no query with judgments, or custom BM25
    ///   parameters with a store; store and model errors.
    public static func run(_ job: RetrievalEvaluationJob, log: @escaping @Sendable (String) -> Void = { _ in },
                           progress: (_ stage: String, _ done: Int, _ total: Int) -> Void = { _, _, _ in }) throws -> RetrievalEvaluation {
        let documents = try BEIRCorpus(contentsOf: URL(fileURLWithPath: job.corpusPath)).documents
        let judgments = try Qrels(contentsOf: URL(fileURLWithPath: job.qrelsPath))
        let allQueries = try BEIRQueries(contentsOf: URL(fileURLWithPath: job.queriesPath)).queries
        let evaluated = allQueries.filter { !(judgments[$0.id] ?? [:]).isEmpty }
        guard !evaluated.isEmpty else {
            throw EvaluationError.invalidArgument("no query in \(job.queriesPath) has judgments in \(job.qrelsPath)")
        }
        log("\(documents.count) documents, \(evaluated.count) of \(allQueries.count) queries have qrels; mode \(job.mode.rawValue)")
        var timings: [String: Double] = [:]
        let queryTexts = evaluated.map(\.text)
        let rankings = try job.storePath.map {
            try storeRankings(job, documents, queryTexts, store: $0, timings: &timings, log: log, progress: progress)
        } ?? inMemoryRankings(job, documents, queryTexts, timings: &timings, progress: progress)
        let searchSeconds = timings.filter { $0.key.hasSuffix("search_seconds") }.values.reduce(0, +)
        let run = Run(zip(evaluated, rankings).map { ($0.id, $1) })
        if let runOut = job.runOut { try run.writeTREC(to: URL(fileURLWithPath: runOut), tag: "ragtune-\(job.mode.rawValue)") }
        let report = try RetrievalMetrics.evaluate(run: run, qrels: judgments)
        return RetrievalEvaluation(
            ndcgAt10: report.averages["NDCG@10"] ?? 0, recallAt100: report.averages["Recall@100"] ?? 0,
            mrrAt10: report.averages["MRR@10"] ?? 0, queries: report.queries.count,
            qps: Double(evaluated.count) / max(searchSeconds, 1e-9), mode: job.mode.rawValue, documents: documents.count,
            threads: job.threads, timings: timings, fusion: job.mode == .hybrid ? job.fusion.description : nil,
            store: job.storePath.map(AnyDocumentStore.displayName), report: report)
    }

    /// Rankings from indexes built in memory over whole documents (title + " " + text, as BEIR does).
    private static func inMemoryRankings(_ job: RetrievalEvaluationJob, _ documents: [BEIRDocument], _ queryTexts: [String],
                                         timings: inout [String: Double],
                                         progress: (String, Int, Int) -> Void) throws -> [[RetrievedDocument]] {
        let texts = documents.map { $0.title.isEmpty ? $0.text : $0.title + " " + $0.text }
        var lists: [[[ScoredDocument]]] = []
        if job.mode != .dense {
            let started = Date()
            let index = try BM25Index.build(documents: zip(documents, texts).map { ($0.id, $1) }, scoring: job.bm25)
            timings["bm25_index_seconds"] = Date().timeIntervalSince(started)
            let searched = Date()
            lists.append(index.searchBatch(queryTexts, k: job.top, threads: job.threads))
            timings["bm25_search_seconds"] = Date().timeIntervalSince(searched)
        }
        if job.mode != .bm25 {
            let embedder = try MiniLMEmbedder(threads: job.threads)
            let started = Date()
            var index = ExactVectorIndex(dimension: embedder.dimension)
            for start in stride(from: 0, to: texts.count, by: 512) {
                try index.add(contentsOf: embedder.embed(Array(texts[start..<min(start + 512, texts.count)])))
                progress("embedding corpus", index.count, texts.count)
            }
            timings["dense_index_seconds"] = Date().timeIntervalSince(started)
            let searched = Date()
            lists.append(try index.search(embedder.embed(queryTexts), k: job.top, threads: job.threads))
            timings["dense_search_seconds"] = Date().timeIntervalSince(searched)
        }
        let depth = job.fusionDepth
        let rankings = job.mode == .hybrid
            ? zip(lists[0], lists[1]).map { job.fusion.fuse(sparse: Array($0.prefix(depth)), dense: Array($1.prefix(depth)), limit: job.top) }
            : lists[0]
        return rankings.map { $0.map { RetrievedDocument(id: documents[$0.index].id, score: Double($0.score)) } }
    }

    /// Rankings from a store: the corpus is ingested (unchanged documents are skipped), the store's
    /// indexes are brought up to date (`StoreIndexes.refresh`), and each query's chunk ranking becomes a document ranking
    /// by each document's best chunk.
    private static func storeRankings(_ job: RetrievalEvaluationJob, _ documents: [BEIRDocument], _ queryTexts: [String],
                                      store path: String, timings: inout [String: Double], log: @escaping @Sendable (String) -> Void,
                                      progress: (String, Int, Int) -> Void) throws -> [[RetrievedDocument]] {
        guard job.bm25 == BM25Scoring() else {
            throw EvaluationError.invalidArgument("a store's BM25 uses k1 1.2 and b 0.75; other BM25 parameters need an in-memory run")
        }
        let store = try AnyDocumentStore.openForEmbedding(path)
        let embedder = try MiniLMEmbedder(threads: job.threads)
        let chunker = try TextChunker.miniLM(embedder, maxTokens: job.chunkTokens, overlap: job.overlap)
        var started = Date()
        let sources = documents.map {
            SourceDocument(id: $0.id, sourcePath: job.corpusPath, title: $0.title, text: $0.text, metadata: $0.metadata, format: .jsonl)
        }
        let counts = try StoreIngestor(store: store, chunker: chunker, embed: embedder.embed)
            .ingest(sources) { progress("indexing corpus", $0.done, sources.count) }
        timings["ingest_seconds"] = Date().timeIntervalSince(started)
        log("ingested: \(counts.added) added, \(counts.replaced) replaced, \(counts.unchanged) unchanged")
        // As `ragtune index` does after an ingest: saved indexes, or a database's HNSW index, brought up to date.
        started = Date()
        let indexes = StoreIndexes(storePath: path, hnswParameters: job.hnsw, log: log)
        try indexes.refresh(store, vectorIndex: job.vectorIndex)
        timings["index_refresh_seconds"] = Date().timeIntervalSince(started)
        started = Date()
        let searcher = try indexes.searcher(for: store, mode: job.mode, vectorIndex: job.vectorIndex)
        timings["index_load_seconds"] = Date().timeIntervalSince(started)
        started = Date()
        let embeddings = job.mode == .bm25 ? nil : try embedder.embed(queryTexts)
        var rankings: [[RetrievedDocument]] = []
        for (q, text) in queryTexts.enumerated() {
            let hits = try searcher.search(text, embedding: embeddings?[q], mode: job.mode, k: job.top,
                                           fusion: job.fusion, depth: job.fusionDepth)
            var seen = Set<String>()
            rankings.append(hits.compactMap { hit in
                seen.insert(hit.chunk.documentID).inserted
                    ? RetrievedDocument(id: hit.chunk.documentID, score: Double(hit.score)) : nil
            })
        }
        timings["store_search_seconds"] = Date().timeIntervalSince(started)
        return rankings
    }
}
