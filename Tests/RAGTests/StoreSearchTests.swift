import Foundation
import Testing
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTestSupport
@testable import RagTuneRAG

/// `StoreSearch.run` over a keyword store: modes, ACL, filters, k and the JSON keys of `search --json`.
@Suite struct StoreSearchTests {
    private func store() throws -> KeywordStore {
        try KeywordStore(keywords: ["honey", "reactor", "salary"], documents: [
            ("honey", "Bees make honey from nectar.", []),
            ("reactor", "The Mordro-18 reactor was designed by Kesttov Kanaxdro.", []),
            ("payroll", "The executive salary is paid monthly.", ["ceo"]),
        ])
    }

    @Test func ranksWithTheCallersAclInEveryMode() throws {
        let store = try store()
        for mode in [SearchMode.bm25, .dense, .hybrid] {
            var request = SearchRequest(query: "executive salary")
            request.mode = mode
            let anonymous = try StoreSearch.run(request, store: store.store, embed: store.embed)
            #expect(!anonymous.results.map(\.chunk.documentID).contains("payroll"), "\(mode)")
            request.user = "ceo"
            let ceo = try StoreSearch.run(request, store: store.store, embed: store.embed)
            #expect(ceo.results.first?.chunk.documentID == "payroll", "\(mode)")
            #expect(ceo.results.map(\.rank) == Array(1...ceo.results.count))
            #expect((ceo.fusion == nil) == (mode != .hybrid) && (ceo.vectorIndex == nil) == (mode == .bm25))
        }
    }

    @Test func bm25NeverLoadsAnEmbedder() throws {
        let store = try store()
        var request = SearchRequest(query: "honey")
        request.mode = .bm25
        request.k = 1
        let results = try StoreSearch.run(request, store: store.store, embed: { _ in
            Issue.record("embedded a BM25 query")
            return []
        })
        #expect(results.results.map(\.chunk.documentID) == ["honey"])
    }

    /// `search --json` keys: vector_index and fusion are null when they do not apply.
    @Test func jsonKeysArePinned() throws {
        let store = try store()
        var request = SearchRequest(query: "honey")
        request.mode = .bm25
        let expected = ["query", "mode", "vector_index", "fusion", "results", "timings", "timings.load_seconds",
                        "timings.embed_seconds", "timings.search_seconds"]
            + ["rank", "score", "doc_id", "source", "title", "chunk", "start", "end", "text"].map { "results[].\($0)" }
        let results = try StoreSearch.run(request, store: store.store)
        #expect(try JSONKeys.paths(of: results) == expected.sorted())
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(results)) as? [String: Any]
        #expect(json?["fusion"] is NSNull && json?["vector_index"] is NSNull)
    }
}
