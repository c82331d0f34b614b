import Foundation
import Testing
@testable import RagTuneBench

/// `ragtune bench bm25` on a three-document BEIR folder written here.
@Suite struct BM25BenchmarkTests {
    private func writeFolder(_ dir: URL) throws {
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("qrels"), withIntermediateDirectories: true)
        try Data("""
            {"_id": "d1", "title": "Honey", "text": "Bees make honey from nectar."}
            {"_id": "d2", "title": "Rivers", "text": "Rivers flow into the sea."}
            {"_id": "d3", "title": "Comets", "text": "Comets have icy tails."}
            """.utf8).write(to: dir.appendingPathComponent("corpus.jsonl"))
        try Data("""
            {"_id": "q1", "text": "how do bees make honey"}
            {"_id": "q2", "text": "where do rivers flow"}
            {"_id": "q3", "text": "unjudged question"}
            """.utf8).write(to: dir.appendingPathComponent("queries.jsonl"))
        try Data("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n".utf8).write(to: dir.appendingPathComponent("qrels/train.tsv"))
    }

    @Test func reportKeysAndAPerfectRanking() throws {
        let dir = try scratchFolder("bm25-bench")
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeFolder(dir)
        let report = try BM25Benchmark.run(folder: dir, split: "train")
        #expect(report.documents == 3 && report.queries == 2 && report.qrels == "train")
        // Each judged query shares its words with exactly its document: nDCG@10 is 1.
        #expect(report.ndcgAt10 == 1)
        #expect(report.indexDocsPerSecond > 0 && report.queriesPerSecond1Thread > 0 && report.queriesPerSecond2Threads > 0)
        let object = try jsonObject(report)
        #expect(keys(object) == ["1t_queries_per_s", "2t_queries_per_s", "documents", "index_docs_per_s", "machine",
                                 "ndcg@10", "qrels", "queries"])
        #expect(keys(object["machine"]) == machineKeys)
    }
}
