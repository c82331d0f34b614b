import RagTuneTensor
import Testing
@testable import RagTuneRetrieval

@Suite struct BM25SearcherTests {
    /// `count` documents of 5–40 words drawn (skewed towards the first ones) from a 200-word vocabulary.
    static func randomCorpus(count: Int, seed: UInt64) -> [(id: String, text: String)] {
        var rng = SplitMix64(seed: seed)
        return (0 ..< count).map { d in
            let length = 5 + Int(rng.next() % 36)
            let words = (0 ..< length).map { _ in "w\(Int(rng.next() % 200) * Int(rng.next() % 200) / 200)x" }
            return ("doc\(d)", words.joined(separator: " "))
        }
    }

    static func randomQueries(count: Int, seed: UInt64) -> [String] {
        var rng = SplitMix64(seed: seed)
        return (0 ..< count).map { _ in
            (0 ..< 1 + Int(rng.next() % 6)).map { _ in "w\(rng.next() % 220)x" }.joined(separator: " ")
        }
    }

    /// Reference ranking: every document's score from the public postings, fully sorted.
    static func bruteForce(_ index: BM25Index, _ query: String, k: Int,
                           filter: (Int) -> Bool = { _ in true }) -> [ScoredDocument] {
        var scores = [Float](repeating: 0, count: index.documentCount)
        for term in index.analyzer.analyze(query) {
            guard let id = index.termID(term) else { continue }
            for posting in index.postings(termID: id) { scores[posting.documentIndex] += posting.weight }
        }
        let ranked = scores.enumerated().filter { $0.element > 0 && filter($0.offset) }
            .sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
        return ranked.prefix(k).map { ScoredDocument(index: $0.offset, score: $0.element) }
    }

    @Test func matchesBruteForceInDenseAndSparseModes() throws {
        // Rare words make the sparse path run, frequent ones the dense scan.
        let corpus = Self.randomCorpus(count: 800, seed: 1) + [("rare1", "zebra okapi"), ("rare2", "okapi")]
        let index = try BM25Index.build(documents: corpus)
        var searcher = BM25Searcher(index: index)
        for query in Self.randomQueries(count: 60, seed: 2) + ["okapi", "zebra okapi w3x", "w0x w0x w1x"] {
            for k in [1, 3, 10, 1000] {
                let got = searcher.search(query, k: k), want = Self.bruteForce(index, query, k: k)
                #expect(got.map(\.index) == want.map(\.index), "query \(query) k \(k)")
                for (g, w) in zip(got, want) { #expect(abs(g.score - w.score) <= 1e-5 * max(1, w.score)) }
            }
        }
    }

    @Test func tiesGoToTheLowerDocumentIndex() throws {
        let texts = ["apple", "banana", "apple", "apple", "banana apple"]
        var corpus = texts.enumerated().map { (id: "t\($0.offset)", text: $0.element) }
        let dense = try BM25Index.build(documents: corpus)
        #expect(dense.search("apple", k: 2).map(\.index) == [0, 2])
        #expect(dense.search("apple", k: 3).map(\.index) == [0, 2, 3])
        // Same ties on the sparse path (many unrelated documents).
        corpus += (0 ..< 100).map { (id: "filler\($0)", text: "filler\($0) words") }
        let sparse = try BM25Index.build(documents: corpus)
        #expect(sparse.search("apple", k: 3).map(\.index) == [0, 2, 3])
        let all = sparse.search("apple", k: 10)
        #expect(all.map(\.index) == [0, 2, 3, 4])
        #expect(all[0].score == all[1].score && all[1].score == all[2].score && all[3].score < all[2].score)
    }

    @Test func filterAppliesBeforeTopK() throws {
        let corpus = Self.randomCorpus(count: 300, seed: 3)
        let index = try BM25Index.build(documents: corpus)
        let even: (Int) -> Bool = { $0 % 2 == 0 }
        for query in Self.randomQueries(count: 20, seed: 4) {
            let got = index.search(query, k: 5, filter: even)
            #expect(got.allSatisfy { even($0.index) })
            #expect(got.map(\.index) == Self.bruteForce(index, query, k: 5, filter: even).map(\.index))
        }
        #expect(index.search("w1x", k: 5, filter: { _ in false }).isEmpty)
    }

    @Test func batchSearchEqualsSingleSearch() throws {
        let index = try BM25Index.build(documents: Self.randomCorpus(count: 500, seed: 5))
        let queries = Self.randomQueries(count: 97, seed: 6)
        var searcher = BM25Searcher(index: index)
        let single = queries.map { searcher.search($0, k: 10) }
        for threads in [1, 2, 3] {
            let batch = index.searchBatch(queries, k: 10, threads: threads)
            #expect(batch.count == queries.count)
            for (b, s) in zip(batch, single) {
                #expect(b.map(\.index) == s.map(\.index))
                #expect(b.map(\.score) == s.map(\.score))
            }
        }
        let filtered = index.searchBatch(queries, k: 4, threads: 2, filter: { $0 < 250 })
        for (q, hits) in zip(queries, filtered) {
            #expect(hits.map(\.index) == index.search(q, k: 4, filter: { $0 < 250 }).map(\.index))
        }
        #expect(index.searchBatch([], k: 10, threads: 2).isEmpty)
    }

    @Test func degenerateRequests() throws {
        let index = try BM25Index.build(documents: Self.randomCorpus(count: 50, seed: 7))
        #expect(index.search("w1x", k: 0).isEmpty)
        #expect(index.search("w1x", k: -3).isEmpty)
        #expect(index.search("", k: 5).isEmpty)
        #expect(index.search("the and of", k: 5).isEmpty)
    }
}
