import ArgumentParser
import Foundation
import RagTuneModels
import RagTuneTensor

/// `ragtune demo`: embeds the bundled sample sentences and shows nearest neighbours for a few
/// queries (later issues grow this into the full RAG demo).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Embed the bundled sample sentences and print nearest neighbours for a few queries.")

    @Option(help: "JSONL corpus with a \"text\" field per line.")
    var corpus: String = "samples/sentences.jsonl"

    @Option(parsing: .singleValue, help: "A query (repeatable). Defaults to three built-in questions.")
    var query: [String] = []

    @Option(name: .short, help: "Neighbours per query.")
    var k: Int = 3

    @Option(help: "Worker threads.")
    var threads: Int = 2

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        let texts = try JSONLines(path: corpus).texts()
        guard !texts.isEmpty else { throw InputError.unreadable(path: corpus, reason: "no sentences") }
        let queries = query.isEmpty
            ? ["How do you adapt a language model cheaply?", "What is the tallest peak in the world?",
               "How is coffee made?"]
            : query
        let embedder = try MiniLMEmbedder(threads: threads)
        let start = Date()
        let documents = try embedder.embed(texts)
        let questions = try embedder.embed(queries)
        let seconds = Date().timeIntervalSince(start)
        var report: [[String: Any]] = []
        for (q, vector) in zip(queries, questions) {
            let scored = documents.enumerated().map { index, doc in
                (index, Kernels.dot(vector, doc, count: vector.count))
            }.sorted { $0.1 > $1.1 }.prefix(k)
            report.append(["query": q, "neighbours": scored.map { ["text": texts[$0.0], "cosine": Double($0.1)] }])
            if !json {
                print("\n\(q)")
                for (index, score) in scored { print(String(format: "  %.3f  %@", score, texts[index])) }
            }
        }
        if json {
            print(JSONText.object(["sentences": texts.count, "seconds": seconds, "results": report]))
        } else {
            print(String(format: "\nembedded %d sentences and %d queries in %.2f s with all-MiniLM-L6-v2 (%d threads)",
                         texts.count, queries.count, seconds, threads))
        }
    }
}
