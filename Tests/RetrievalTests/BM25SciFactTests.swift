import Foundation
import Testing
import RagTuneRetrieval

/// BM25 quality and speed on BEIR SciFact, read from `../shared/data/scifact` beside the repository.
/// Reference: bm25s 0.3.16 (lucene, k1 1.2, b 0.75, title + " " + text, stopwords "en", PyStemmer
/// english) gets nDCG@10 = 0.6960 on the 809 train queries (`Benchmarks/bm25_reference.py`).
@Suite struct BM25SciFactTests {
    static let dataDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/data/scifact").standardizedFileURL
    static let available = FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("corpus.jsonl").path)

    struct Document: Decodable { let _id: String; let title: String; let text: String }
    struct Query: Decodable { let _id: String; let text: String }

    static func jsonLines<T: Decodable>(_ name: String, as: T.Type) throws -> [T] {
        let text = try String(contentsOf: dataDirectory.appendingPathComponent(name), encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").map { try decoder.decode(T.self, from: Data($0.utf8)) }
    }

    /// query id → relevant document ids (score > 0), from a BEIR qrels TSV with a header line.
    static func qrels(_ split: String) throws -> [String: Set<String>] {
        let text = try String(contentsOf: dataDirectory.appendingPathComponent("qrels/\(split).tsv"), encoding: .utf8)
        var out: [String: Set<String>] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t")
            if f.count == 3, let score = Int(f[2]), score > 0 { out[String(f[0]), default: []].insert(String(f[1])) }
        }
        return out
    }

    /// nDCG@10 with binary gains (BEIR / pytrec_eval `ndcg_cut_10`): DCG = Σ_{i=1..10} rel_i / log2(i + 1),
    /// divided by the DCG of the ideal ranking (all relevant documents first).
    static func ndcgAt10(ranked: [String], relevant: Set<String>) -> Double {
        let dcg = ranked.prefix(10).enumerated().reduce(0.0) { $0 + (relevant.contains($1.element) ? 1 / log2(Double($1.offset + 2)) : 0) }
        let ideal = (0 ..< min(relevant.count, 10)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
        return ideal > 0 ? dcg / ideal : 0
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    @Test(.enabled(if: available, "SciFact not found at ../shared/data/scifact; skipping the BEIR quality check"))
    func ndcgMatchesBM25sOnSciFact() throws {
        let corpus = try Self.jsonLines("corpus.jsonl", as: Document.self)
        let queries = try Self.jsonLines("queries.jsonl", as: Query.self)
        let qrels = try Self.qrels("train")
        let documents = corpus.map { (id: $0._id, text: $0.title + " " + $0.text) }
        let evaluated = queries.filter { qrels[$0._id] != nil }
        let texts = evaluated.map(\.text)

        var index = try BM25Index.build(documents: documents)
        var buildSeconds = Double.infinity
        for _ in 0 ..< 3 { buildSeconds = min(buildSeconds, try Self.seconds { index = try BM25Index.build(documents: documents) }) }

        var results: [[ScoredDocument]] = []
        var queriesPerSecond: [Int: Double] = [:]
        for threads in [1, 2] {
            var best = Double.infinity
            for _ in 0 ..< 5 { best = min(best, Self.seconds { results = index.searchBatch(texts, k: 10, threads: threads) }) }
            queriesPerSecond[threads] = Double(texts.count) / best
        }
        let ndcg = zip(evaluated, results).reduce(0.0) { sum, pair in
            sum + Self.ndcgAt10(ranked: pair.1.map { index.documentIDs[$0.index] }, relevant: qrels[pair.0._id]!)
        } / Double(evaluated.count)

        print(String(format: "SciFact BM25: nDCG@10 %.4f over %d train queries (bm25s: 0.6960); %d docs, %d terms, %d postings",
                     ndcg, evaluated.count, index.documentCount, index.termCount, index.postingCount))
        print(String(format: "SciFact BM25: build %.0f docs/s; search %.0f queries/s (1 thread), %.0f queries/s (2 threads)",
                     Double(documents.count) / buildSeconds, queriesPerSecond[1]!, queriesPerSecond[2]!))
        #expect(evaluated.count == 809)
        #expect(abs(ndcg - 0.6960) <= 0.01)
    }
}
