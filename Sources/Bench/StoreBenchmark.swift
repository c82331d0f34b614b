import Foundation
import RagTunePostgres
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTensor

/// What a store costs at a size (`ragtune bench store`): a fresh store of `SyntheticCorpus`
/// documents is loaded (one transaction per document, as `index` writes), its search indexes are
/// built (`StoreIndexes.refresh` with HNSW), then hybrid queries (k 10) run from 1, 4, 16… clients
/// at once for a fixed time each, reporting queries/s, queries/s per core and latency percentiles.
/// Runs on SQLite (a file under the given folder) and PostgreSQL (a schema `ragtune_bench_<chunks>`
/// of the given database, replaced at each run).
public enum StoreBenchmark {
    /// What to measure.
    public struct Options: Sendable {
        /// A `postgres://` URL (the database to use) or a folder for SQLite files.
        public var store: String
        /// Collection sizes, in chunks (rounded up to whole documents).
        public var chunks: [Int]
        /// Concurrent client counts.
        public var clients: [Int]
        /// Seconds of querying per client count.
        public var seconds: Double
        public var dimension: Int
        public var hnsw: StoreIndexes.HNSWParameters
        /// Keep the stores after the run (default: dropped).
        public var keep: Bool

        /// Each argument sets the property of the same name.
        public init(store: String, chunks: [Int], clients: [Int], seconds: Double, dimension: Int = 384,
                    hnsw: StoreIndexes.HNSWParameters = .init(), keep: Bool = false) {
            (self.store, self.chunks, self.clients, self.seconds, self.dimension, self.hnsw, self.keep)
                = (store, chunks, clients, seconds, dimension, hnsw, keep)
        }
    }

    /// Queries from one client count.
    public struct QueryPoint: Codable, Sendable, Equatable {
        public var clients: Int
        public var queries: Int
        public var queriesPerSecond: Double
        /// `queriesPerSecond` over the machine's logical cores (client and server share them).
        public var queriesPerSecondPerCore: Double
        public var p50Milliseconds: Double
        public var p95Milliseconds: Double
        public var p99Milliseconds: Double

        enum CodingKeys: String, CodingKey {
            case clients, queries
            case queriesPerSecond = "queries_per_s", queriesPerSecondPerCore = "queries_per_s_per_core"
            case p50Milliseconds = "p50_ms", p95Milliseconds = "p95_ms", p99Milliseconds = "p99_ms"
        }
    }

    /// One collection size.
    public struct SizePoint: Codable, Sendable, Equatable {
        public var chunks: Int
        public var documents: Int
        public var ingestSeconds: Double
        public var ingestChunksPerSecond: Double
        /// `StoreIndexes.refresh`: the HNSW graph (and, for SQLite, the BM25 file).
        public var indexBuildSeconds: Double
        /// The vector index queries used (`hnsw`, or `exact` when none could be built).
        public var vectorIndex: String
        public var queries: [QueryPoint]

        enum CodingKeys: String, CodingKey {
            case chunks, documents, queries
            case ingestSeconds = "ingest_s", ingestChunksPerSecond = "ingest_chunks_per_s"
            case indexBuildSeconds = "index_build_s", vectorIndex = "vector_index"
        }

        /// The text report's lines.
        public var lines: [String] {
            [String(format: "%d chunks (%d documents): ingest %.1f s (%.0f chunks/s), index build %.1f s, vector index %@",
                    chunks, documents, ingestSeconds, ingestChunksPerSecond, indexBuildSeconds, vectorIndex)]
                + queries.map {
                    String(format: "  %2d clients: %.1f queries/s (%.1f per core), p50 %.1f ms, p95 %.1f ms, p99 %.1f ms",
                           $0.clients, $0.queriesPerSecond, $0.queriesPerSecondPerCore, $0.p50Milliseconds, $0.p95Milliseconds,
                           $0.p99Milliseconds)
                }
        }
    }

    /// The `--json` object of `bench store`.
    public struct Report: Encodable, Sendable {
        /// `sqlite` or `postgresql`.
        public var backend: String
        public var dimension: Int
        public var vectors: String = "random unit vectors (no clusters: HNSW recall is lower than on real embeddings)"
        public var mode: String = "hybrid, k 10, weighted fusion"
        public var sizes: [SizePoint]
        public var machine: MachineReport
    }

    /// Runs every size in turn.
    /// - Throws: `StorageError` when the store cannot be opened or written.
    public static func run(_ options: Options, log: BenchLog) throws -> Report {
        let postgres = PostgresLocation.isPostgresURL(options.store)
        var sizes: [SizePoint] = []
        for chunks in options.chunks {
            sizes.append(try measure(chunks: chunks, options, log: log))
        }
        return Report(backend: postgres ? "postgresql" : "sqlite", dimension: options.dimension, sizes: sizes,
                      machine: MachineReport.current())
    }

    /// A fresh store for `chunks` chunks, with as many connections as the most clients need.
    private static func freshStore(chunks: Int, _ options: Options) throws -> (store: AnyDocumentStore, location: String, drop: () -> Void) {
        let maximumClients = options.clients.max() ?? 1
        if PostgresLocation.isPostgresURL(options.store) {
            let location = try PostgresLocation(url: options.store).inSchema("ragtune_bench_\(chunks)")
            try PostgresStore.destroy(at: location)
            let store = try PostgresStore(location: location, mode: .create, maximumConnections: maximumClients + 1)
            return (AnyDocumentStore(store), location.description, { try? PostgresStore.destroy(at: location) })
        }
        let folder = URL(fileURLWithPath: options.store, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("bench-\(chunks).sqlite").path
        let remove = {
            for suffix in ["", "-wal", "-shm", ".indexes"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        remove()
        return (AnyDocumentStore(try SQLiteStore(path: path, mode: .create)), path, remove)
    }

    private static func measure(chunks: Int, _ options: Options, log: BenchLog) throws -> SizePoint {
        let corpus = SyntheticCorpus(dimension: options.dimension)
        let documents = (chunks + SyntheticCorpus.chunksPerDocument - 1) / SyntheticCorpus.chunksPerDocument
        let (store, location, drop) = try freshStore(chunks: chunks, options)
        defer { if !options.keep { drop() } }

        var started = Date()
        for d in 0..<documents {
            let (document, documentChunks, embeddings) = corpus.document(d)
            try store.replace(document, chunks: documentChunks, embeddings: embeddings)
            if (d + 1) % 1000 == 0 || d + 1 == documents {
                log.progress(String(format: "%d chunks: loaded %d/%d documents (%.0f chunks/s)", chunks, d + 1, documents,
                                    Double((d + 1) * SyntheticCorpus.chunksPerDocument) / Date().timeIntervalSince(started)))
            }
        }
        let ingestSeconds = Date().timeIntervalSince(started)

        started = Date()
        let notes = ConcurrentLog<String>()
        let indexes = StoreIndexes(storePath: location, hnswParameters: options.hnsw, log: notes.append)
        try indexes.refresh(store, vectorIndex: VectorIndexChoice.hnsw)
        let indexBuildSeconds = Date().timeIntervalSince(started)
        let searcher = try indexes.searcher(for: store, mode: SearchMode.hybrid, vectorIndex: VectorIndexChoice.hnsw)
        notes.values.forEach(log.progress)

        let queries = (0..<500).map { corpus.query($0) }
        var points: [QueryPoint] = []
        for clients in options.clients {
            points.append(try query(searcher, queries, clients: clients, seconds: options.seconds))
            log.progress(SizePoint(chunks: chunks, documents: documents, ingestSeconds: ingestSeconds,
                                   ingestChunksPerSecond: 0, indexBuildSeconds: indexBuildSeconds,
                                   vectorIndex: "", queries: [points[points.count - 1]]).lines[1])
        }
        let total = documents * SyntheticCorpus.chunksPerDocument
        return SizePoint(chunks: total, documents: documents, ingestSeconds: ingestSeconds,
                         ingestChunksPerSecond: Double(total) / ingestSeconds, indexBuildSeconds: indexBuildSeconds,
                         vectorIndex: searcher.vectorIndexKind?.rawValue ?? "none", queries: points)
    }

    /// `clients` threads querying in turn for `seconds`; every latency is kept.
    private static func query(_ searcher: any ChunkRetriever, _ queries: [(text: String, embedding: [Float])], clients: Int,
                              seconds: Double) throws -> QueryPoint {
        let results = LatencyLog()
        let deadline = Date().addingTimeInterval(seconds)
        let started = Date()
        @Sendable func runClient(_ client: Int) {
            var next = client * 37
            while Date() < deadline {
                let (text, embedding) = queries[next % queries.count]
                next += 1
                let begun = DispatchTime.now().uptimeNanoseconds
                do {
                    _ = try searcher.search(text, embedding: embedding, mode: .hybrid, k: 10, user: client % 2 == 0 ? "team" : nil)
                    results.add(Double(DispatchTime.now().uptimeNanoseconds - begun) / 1e6)
                } catch {
                    results.fail(error)
                    return
                }
            }
        }
        // One thread per client (not `concurrentPerform`, which runs only as many at once as there are cores).
        let finished = DispatchGroup()
        for client in 0..<clients {
            finished.enter()
            Thread {
                defer { finished.leave() }
                runClient(client)
            }.start()
        }
        finished.wait()
        let elapsed = Date().timeIntervalSince(started)
        if let error = results.error { throw error }
        let latencies = results.sorted
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int((p * Double(latencies.count)).rounded(.up)) - 1)]
        }
        let rate = Double(latencies.count) / elapsed
        return QueryPoint(clients: clients, queries: latencies.count, queriesPerSecond: rate,
                          queriesPerSecondPerCore: rate / Double(ProcessInfo.processInfo.activeProcessorCount),
                          p50Milliseconds: percentile(0.5), p95Milliseconds: percentile(0.95), p99Milliseconds: percentile(0.99))
    }
}

/// Latencies (ms) collected from several client threads, and the first error.
private final class LatencyLog: @unchecked Sendable {
    private let lock = NSLock()
    private var latencies: [Double] = []
    private var firstError: Error?

    func add(_ milliseconds: Double) { lock.withLock { latencies.append(milliseconds) } }
    func fail(_ error: Error) { lock.withLock { if firstError == nil { firstError = error } } }
    var error: Error? { lock.withLock { firstError } }
    var sorted: [Double] { lock.withLock { latencies.sorted() } }
}
