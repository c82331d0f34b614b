import ArgumentParser
import Foundation
import RagTuneBench

/// `ragtune bench store`: ingest rate, index build time, and hybrid queries/s and latency
/// percentiles from several concurrent clients, at several collection sizes (`StoreBenchmark`).
struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Store ingest chunks/s, index build time, and hybrid queries/s and p50/p95/p99 at 1, 4, 16 clients.",
        discussion: """
            Each size loads a fresh store with synthetic documents (10 chunks each, Zipf-distributed words, random \
            unit vectors, one transaction per document), builds its indexes with HNSW, then runs hybrid queries \
            (k 10) from each client count for --seconds. On PostgreSQL the store is the schema \
            ragtune_bench_<chunks> of the URL's database, replaced at each run; on SQLite a file in the folder.
            """)

    @Option(help: "A postgres:// URL, or a folder for SQLite files.")
    var store: String

    @Option(help: "Collection sizes in chunks, comma-separated.")
    var chunks: String = "10000,100000"

    @Option(help: "Concurrent clients, comma-separated.")
    var clients: String = "1,4,16"

    @Option(help: "Seconds of querying per client count.")
    var seconds: Double = 10

    @Option(help: "Embedding dimension.")
    var dimension: Int = 384

    @OptionGroup var indexOptions: VectorIndexOptions

    @Flag(help: "Keep the benchmark stores (default: dropped after each size).")
    var keep = false

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 10 }) else { throw ValidationError("--chunks: give sizes of at least 10, like 10000,100000") }
        guard !clientCounts.isEmpty, clientCounts.allSatisfy({ (1...256).contains($0) }) else {
            throw ValidationError("--clients: give counts in 1...256, like 1,4,16")
        }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard (2...2000).contains(dimension) else { throw ValidationError("--dimension must be in 2...2000 (pgvector's HNSW limit)") }
    }

    var sizes: [Int] { chunks.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
    var clientCounts: [Int] { clients.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func run() throws {
        let log = BenchLog.standardError(json: json)
        let options = StoreBenchmark.Options(store: store, chunks: sizes, clients: clientCounts, seconds: seconds,
                                             dimension: dimension, hnsw: indexOptions.hnswParameters, keep: keep)
        let report = try StoreBenchmark.run(options, log: log)
        if json {
            try printJSON(report)
        } else {
            print("backend \(report.backend), \(report.dimension)-d \(report.vectors); \(report.mode)")
            report.sizes.flatMap(\.lines).forEach { print($0) }
        }
    }
}
