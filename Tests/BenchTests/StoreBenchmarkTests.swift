import Foundation
import Testing
import RagTuneTestSupport
@testable import RagTuneBench
import RagTuneRetrieval

/// `ragtune bench store` at a toy size, on SQLite and (when a server is up or CI requires one)
/// PostgreSQL: every phase reports, the stores are dropped, and the synthetic corpus is the same
/// for the same seed.
@Suite(.serialized) struct StoreBenchmarkTests {
    @Test func theSyntheticCorpusIsReproducibleAndAnalysable() {
        let corpus = SyntheticCorpus(dimension: 8)
        let (document, chunks, embeddings) = corpus.document(3)
        #expect(chunks.count == SyntheticCorpus.chunksPerDocument && embeddings.count == chunks.count)
        #expect(corpus.document(3).chunks == chunks && corpus.document(4).chunks != chunks)
        #expect(embeddings.allSatisfy { abs($0.map { $0 * $0 }.reduce(0, +) - 1) < 1e-4 })
        #expect(chunks.allSatisfy { !EnglishAnalyzer().analyze($0.text).isEmpty })
        #expect(Set((0..<500).map(SyntheticCorpus.word)).count == 500)
        #expect(document.id == "doc3" && corpus.query(1).text != corpus.query(2).text)
    }

    @Test(arguments: StoreBackend.tested)
    func everyPhaseIsMeasuredAndTheStoreIsDropped(backend: StoreBackend) throws {
        let folder = try scratchFolder("store-bench")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = backend == .postgres ? try #require(PostgresTestServer.url) : folder.path
        let options = StoreBenchmark.Options(store: store, chunks: [95], clients: [1, 3], seconds: 0.3, dimension: 16)
        let report = try StoreBenchmark.run(options, log: .silent)
        #expect(report.backend == (backend == .postgres ? "postgresql" : "sqlite"))
        let size = try #require(report.sizes.first)
        #expect(size.chunks == 100 && size.documents == 10 && size.ingestChunksPerSecond > 0 && size.vectorIndex == "hnsw")
        #expect(size.queries.map(\.clients) == [1, 3])
        for point in size.queries {
            #expect(point.queries > 0 && point.queriesPerSecond > 0)
            #expect(point.p50Milliseconds <= point.p95Milliseconds && point.p95Milliseconds <= point.p99Milliseconds)
        }
        if backend == .sqlite {
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        }
    }
}
