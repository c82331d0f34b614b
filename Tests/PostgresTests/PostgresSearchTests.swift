import Foundation
import Testing
import RagTuneTestSupport
@testable import RagTunePostgres
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTensor

/// Search inside PostgreSQL: BM25 over the postings tables and dense search with pgvector must rank
/// as the in-process searcher ranks the same store; the HNSW index is built after a load, used, and
/// falls back to exact search when filters leave too few of its candidates; stores written before
/// postings were kept get them.
@Suite(.serialized, .enabled(if: PostgresTestServer.available || PostgresTestServer.required, PostgresTestServer.skipReason))
struct PostgresSearchTests {
    private static let words = ("bee honey hive queen drone wax pollen flower meadow summer winter colony swarm sting nectar "
        + "garden keeper smoke frame comb brood larva worker forage dance orchard clover lavender apple cherry").split(separator: " ")

    /// A store of `documents` documents of `chunksPerDocument` chunks each, with texts drawn from a small
    /// vocabulary (so terms repeat with different frequencies and lengths), random unit embeddings,
    /// a `team` metadata field and an ACL on every seventh document.
    private func fill(_ store: PostgresStore, documents: Int, chunksPerDocument: Int, dimension: Int,
                      random: inout SplitMix64) throws {
        for d in 0..<documents {
            var chunks: [Chunk] = [], embeddings: [[Float]] = []
            var texts: [String] = []
            for ordinal in 0..<chunksPerDocument {
                let length = 3 + Int(random.next() % 25)
                // Squaring the uniform draw favours the first words, as real term frequencies do.
                let text = (0..<length).map { _ -> Substring in
                    let u = Double(random.next() % 10_000) / 10_000
                    return Self.words[Int(u * u * Double(Self.words.count))]
                }.joined(separator: " ")
                texts.append(text)
                chunks.append(Chunk(documentID: "doc\(d)", ordinal: ordinal, text: text, heading: nil, startOffset: 0,
                                    endOffset: text.unicodeScalars.count, tokenCount: length, prefixLength: 0))
                embeddings.append(Self.unit(random.floats(dimension)))
            }
            let document = SourceDocument(id: "doc\(d)", sourcePath: "/docs/\(d).txt", title: "Doc \(d)", text: texts.joined(separator: "\n"),
                                          metadata: ["team": d % 3 == 0 ? "red" : "blue"] , acl: d % 7 == 0 ? ["ann"] : [],
                                          format: .text)
            try store.replace(document, chunks: chunks, embeddings: embeddings)
        }
    }

    private static func unit(_ v: [Float]) -> [Float] {
        let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        return v.map { $0 / norm }
    }

    @Test func bm25DenseAndHybridInSQLRankAsTheInProcessSearcher() throws {
        let location = try PostgresTestServer.freshLocation()
        defer { try? PostgresStore.destroy(at: location) }
        let store = try PostgresStore(location: location)
        var random = SplitMix64(seed: 11)
        try fill(store, documents: 60, chunksPerDocument: 3, dimension: 16, random: &random)
        // Replacing and removing documents must keep the collection's counts (N, average length) right.
        try fill(store, documents: 10, chunksPerDocument: 2, dimension: 16, random: &random)
        try store.remove(["doc3", "doc4"])

        let indexes = StoreIndexes(storePath: location.description)
        let inProcess = try indexes.inProcessSearcher(for: store, mode: .hybrid, vectorIndex: .exact)
        for mode in SearchMode.allCases {
            let inDatabase = try indexes.searcher(for: store, mode: mode, vectorIndex: .auto)
            #expect(inDatabase is PostgresChunkRetriever)
            #expect(inDatabase.vectorIndexKind == (mode == .bm25 ? nil : .exact))
            for (query, readers, filters) in [("honey bee", Set<String>(), [(key: String, value: String)]()),
                                              ("queen queen swarm", ["ann"], []),
                                              ("clover meadow lavender", ["ann"], [("team", "red")]),
                                              ("pollen", [], [("source", "/docs/5.txt")])] {
                let embedding = Self.unit(random.floats(16))
                let expected = try inProcess.search(query, embedding: embedding, mode: mode, k: 12, readers: readers, filters: filters,
                                                    fusion: .weighted(denseWeight: 0.5), depth: nil)
                let found = try inDatabase.search(query, embedding: embedding, mode: mode, k: 12, readers: readers, filters: filters,
                                                  fusion: .weighted(denseWeight: 0.5), depth: nil)
                #expect(found.map(\.chunk.id) == expected.map(\.chunk.id), "\(mode) \(query)")
                for (a, b) in zip(found, expected) {
                    #expect(abs(a.score - b.score) <= 1e-4 * max(1, abs(b.score)), "\(mode) \(query): \(a.score) vs \(b.score)")
                    #expect(a.chunk.chunk == b.chunk.chunk && a.chunk.acl == b.chunk.acl && a.chunk.metadata == b.chunk.metadata)
                }
                #expect(!expected.isEmpty)
            }
        }
        // Neighbours: the same chunks, the caller's ACL applied.
        let hits = try inProcess.search("honey", embedding: nil, mode: .bm25, k: 5, readers: [])
        let inDatabase = try indexes.searcher(for: store, mode: .bm25)
        for readers in [Set<String>(), ["ann"]] {
            let expected = try inProcess.neighbours(of: hits.map(\.chunk), radius: 1, readers: readers).map(\.id).sorted()
            #expect(try inDatabase.neighbours(of: hits.map(\.chunk), radius: 1, readers: readers).map(\.id).sorted() == expected)
            #expect(expected.count > hits.count)
        }
    }

    @Test func theHNSWIndexIsBuiltAfterALoadUsedAndBackedByExactSearch() throws {
        let location = try PostgresTestServer.freshLocation()
        defer { if ProcessInfo.processInfo.environment["KEEP_SCHEMA"] == nil { try? PostgresStore.destroy(at: location) } }
        let store = try PostgresStore(location: location)
        var random = SplitMix64(seed: 5)
        try fill(store, documents: 150, chunksPerDocument: 10, dimension: 32, random: &random)
        let lines = ConcurrentLog<String>()
        var indexes = StoreIndexes(storePath: location.description, log: lines.append)
        // Below `hnswThreshold` chunks `.auto` builds nothing; `.hnsw` builds the index once.
        try indexes.refresh(store, vectorIndex: .auto)
        #expect(try indexes.searcher(for: store, mode: .dense).vectorIndexKind == .exact)
        try indexes.refresh(store, vectorIndex: .hnsw)
        try indexes.refresh(store, vectorIndex: .hnsw)
        #expect(lines.values.filter { $0.contains("HNSW index built") }.count == 1, "\(lines.values)")
        let approximate = try indexes.searcher(for: store, mode: .dense)
        #expect(approximate.vectorIndexKind == .hnsw)
        let exact = try indexes.searcher(for: store, mode: .dense, vectorIndex: .exact)
        #expect(exact.vectorIndexKind == .exact)

        var found: [[ScoredDocument]] = [], truth: [[ScoredDocument]] = []
        for _ in 0..<40 {
            let query = Self.unit(random.floats(32))
            found.append(try approximate.search("", embedding: query, mode: .dense, k: 10).map { ScoredDocument(index: Int($0.chunk.id), score: $0.score) })
            truth.append(try exact.search("", embedding: query, mode: .dense, k: 10).map { ScoredDocument(index: Int($0.chunk.id), score: $0.score) })
        }
        let recall = ScoredDocument.recall(found, of: truth)
        #expect(recall >= 0.9, "recall@10 \(recall)")

        // A filter matching one document's 10 chunks leaves few of HNSW's candidates: exact search answers.
        let query = Self.unit(random.floats(32))
        let filtered = try approximate.search("", embedding: query, mode: .dense, k: 10, filters: [("source", "/docs/43.txt")])
        let filteredExact = try exact.search("", embedding: query, mode: .dense, k: 10, filters: [("source", "/docs/43.txt")])
        #expect(filtered.map(\.chunk.id) == filteredExact.map(\.chunk.id) && filtered.count == 10)

        // Other parameters rebuild it; the index is maintained by later writes.
        indexes.hnswParameters.m = 8
        try indexes.refresh(store, vectorIndex: .hnsw)
        #expect(lines.values.filter { $0.contains("HNSW index built") }.count == 2)
        try fill(store, documents: 1, chunksPerDocument: 3, dimension: 32, random: &random)
        #expect(try store.counts().chunks == 1_493)
    }

    @Test func storesWrittenBeforePostingsGetThemWhenOpenedForWriting() throws {
        let location = try PostgresTestServer.freshLocation()
        defer { try? PostgresStore.destroy(at: location) }
        let store = try PostgresStore(location: location)
        var random = SplitMix64(seed: 8)
        try fill(store, documents: 20, chunksPerDocument: 2, dimension: 8, random: &random)
        let indexes = StoreIndexes(storePath: location.description)
        let before = try indexes.searcher(for: store, mode: .bm25).search("honey queen", embedding: nil, mode: .bm25, k: 10)
        // As a store of the first release: no lengths, postings or counts.
        try store.pool.withConnection { connection in
            try store.pool.run("UPDATE ragtune_chunk SET bm25_length = NULL", on: connection)
            try store.pool.run("DELETE FROM ragtune_posting", on: connection)
            try store.pool.run("UPDATE ragtune_corpus SET chunks = 0, tokens = 0", on: connection)
        }
        let reader = try PostgresStore(location: location, mode: .readOnly)
        #expect(throws: StorageError.self) { try indexes.searcher(for: reader, mode: .bm25) }
        #expect(try indexes.searcher(for: reader, mode: .dense).vectorIndexKind == .exact)
        let writer = try PostgresStore(location: location, mode: .readWrite)
        let after = try indexes.searcher(for: writer, mode: .bm25).search("honey queen", embedding: nil, mode: .bm25, k: 10)
        #expect(after.map(\.chunk.id) == before.map(\.chunk.id) && !after.isEmpty)
        #expect(zip(after, before).allSatisfy { abs($0.score - $1.score) < 1e-4 })
    }
}
