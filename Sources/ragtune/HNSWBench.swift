import ArgumentParser
import Foundation
import RagTuneBench

/// `ragtune bench hnsw`: HNSW build docs/s, queries/s and recall@10 against exact search on MiniLM
/// embeddings of a BEIR corpus (`HNSWVectorCache`, `HNSWBenchmark`).
struct HNSWBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hnsw",
        abstract: "HNSW build docs/s, queries/s and recall@10 vs exact search on MiniLM vectors of a BEIR corpus.",
        discussion: """
            Documents (title + " " + text, as BEIR) and queries are embedded with all-MiniLM-L6-v2 once and \
            cached as raw little-endian float32 (docs.f32, queries.f32) with a meta.json naming the shapes \
            and the source files' sizes and modification times; the cache is rebuilt when those change. \
            Each point runs all queries repeatedly for at least --seconds, three rounds, median reported.
            """)

    @Option(help: "BEIR corpus.jsonl.")
    var corpus: String = "../shared/data/scifact/corpus.jsonl"

    @Option(help: "BEIR queries.jsonl (all queries are used).")
    var queries: String = "../shared/data/scifact/queries.jsonl"

    @Option(name: .customLong("vectors-cache"),
            help: "Folder for the cached embeddings (default ~/.cache/ragtune/bench/<corpus folder>-minilm).")
    var vectorsCache: String?

    @Option(help: "HNSW neighbours per node (layer 0 keeps 2·M).")
    var m: Int = 16

    @Option(name: .customLong("ef-construction"))
    var efConstruction: Int = 200

    @Option(name: .customLong("ef-search"), help: "efSearch values, comma-separated.")
    var efSearch: String = "10,16,32,64,128,256"

    @Option(help: "Thread counts for searching, comma-separated.")
    var threads: String = "1,2"

    @Option(help: "Minimum seconds of timing per round (three rounds per point).")
    var seconds: Double = 1

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard (2...1024).contains(m) else { throw ValidationError("--m must be in 2...1024") }
        guard efConstruction >= 1 else { throw ValidationError("--ef-construction must be at least 1") }
        guard !efValues.isEmpty else { throw ValidationError("--ef-search: give values like 16,64") }
        _ = try benchThreadCounts(threads)
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    var efValues: [Int] { efSearch.split(separator: ",").compactMap { Int($0) }.filter { $0 >= 1 } }

    func run() throws {
        let log = BenchLog.standardError(json: json)
        let corpusURL = URL(fileURLWithPath: corpus)
        let folder = vectorsCache.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? HNSWVectorCache.defaultFolder(corpus: corpusURL)
        let vectors = try HNSWVectorCache.load(corpus: corpusURL, queries: URL(fileURLWithPath: queries), folder: folder, log: log)
        let threadCounts = try benchThreadCounts(threads)
        let options = HNSWBenchmark.Options(m: m, efConstruction: efConstruction, efSearch: efValues,
                                            threads: threadCounts, seconds: seconds)
        let report = try HNSWBenchmark.run(options, vectors: vectors, log: log)
        if json {
            try printJSON(report)
        } else {
            report.search.forEach { print($0.line) }
            report.summaryLines(threads: threadCounts).forEach { print($0) }
        }
    }
}
