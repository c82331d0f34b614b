import ArgumentParser
import Foundation
import RagTuneBench

/// `ragtune bench bm25`: BM25 indexing and query speed on a BEIR data set (`BM25Benchmark`).
struct BM25Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bm25",
        abstract: "BM25 indexing docs/s and queries/s (1 and 2 threads) with nDCG@10 on a BEIR folder.")

    @Option(help: "BEIR folder with corpus.jsonl, queries.jsonl and qrels/<split>.tsv.")
    var data: String = "../shared/data/scifact"

    @Option(help: "Qrels split.")
    var qrels: String = "train"

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        let report = try BM25Benchmark.run(folder: URL(fileURLWithPath: data), split: qrels)
        if json { try printJSON(report) } else { print(report.line) }
    }
}
