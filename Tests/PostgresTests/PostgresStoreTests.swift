import Foundation
import Testing
import RagTuneTestSupport
import RagTunePostgres
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTensor

/// What only the PostgreSQL store has to get right: a real server with pgvector, migrations from
/// several processes at once, read-only connections, and a server lost in the middle of an ingest.
@Suite(.serialized, .enabled(if: PostgresTestServer.available || PostgresTestServer.required, PostgresTestServer.skipReason))
struct PostgresStoreTests {
    @Test func theServerIsPostgreSQL16WithPgvector() throws {
        let location = try PostgresTestServer.freshLocation()
        defer { try? PostgresStore.destroy(at: location) }
        let store = try PostgresStore(location: location)
        #expect(try store.counts() == (0, 0))
        #expect(try store.generation() == 0)
    }

    /// Processes starting together on a new schema run each migration once (an advisory lock).
    @Test func concurrentFirstOpensMigrateOnce() throws {
        let location = try PostgresTestServer.freshLocation()
        defer { try? PostgresStore.destroy(at: location) }
        let failures = Counter()
        let identities = ConcurrentLog<String>()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do {
                let store = try PostgresStore(location: location)
                identities.append(try store.snapshot(withEmbeddings: false).storeID)
            } catch {
                failures.next()
                Issue.record("\(error)")
            }
        }
        #expect(failures.value == 0)
        #expect(Set(identities.values).count == 1)
    }

    @Test func readOnlyStoresRefuseWrites() throws {
        let location = try PostgresTestServer.freshLocation()
        defer { try? PostgresStore.destroy(at: location) }
        let writer = try PostgresStore(location: location)
        let document = SourceDocument(id: "a", sourcePath: "/a", title: "A", text: "kept")
        try writer.replace(document, chunks: [Chunk(documentID: "a", ordinal: 0, text: "kept", heading: nil, startOffset: 0,
                                                     endOffset: 4, tokenCount: 1, prefixLength: 0)], embeddings: [[1, 0]])
        let reader = try PostgresStore(location: location, mode: .readOnly)
        #expect(try reader.counts() == (1, 1))
        #expect { try reader.remove(["a"]) } throws: { "\($0)".contains("read-only") }
        #expect(try writer.counts() == (1, 1))
    }

    /// The server stops in the middle of an ingest (the test stops it, as a crash or a failover
    /// would): the ingest fails with an error naming the store, every document committed before is
    /// whole, and once the server is back a re-run completes the job.
    @Test func connectionLossMidIngestLosesNothingCommittedAndARerunCompletes() throws {
        let port = "55491"
        let url = try PostgresTestServer.script("start", port)
        defer { _ = try? PostgresTestServer.script("stop", port) }
        let location = try PostgresLocation(url: url).inSchema("rt_loss_" + UUID().uuidString.prefix(8).lowercased())
        let store = try PostgresStore(location: location)
        let chunker = try TextChunker(maxTokens: 8, overlapTokens: 0, countTokens: { $0.split(separator: " ").count })
        let documents = (0..<24).map { i in
            SourceDocument(id: "doc\(i)", sourcePath: "/doc\(i)", title: "Doc \(i)",
                           text: "First sentence of \(i) here. Second one v1 follows now. Third closes it all.")
        }
        let batches = Counter()
        let stopping = StoreIngestor(store: store, chunker: chunker, chunksPerBatch: 9) { texts in
            if batches.next() == 4 { try PostgresTestServer.script("stop", port) }
            return texts.map { _ in [1, 0] }
        }
        #expect {
            try stopping.ingest(documents)
        } throws: { error in
            let text = "\(error)"
            return text.contains(location.description) && text.contains("PostgreSQL")
        }
        try PostgresTestServer.script("start", port)
        let committed = try store.chunks()
        let byDocument = Dictionary(grouping: committed, by: \.documentID)
        #expect((3..<24).contains(byDocument.count), "the batches before the stop were committed: \(byDocument.count)")
        #expect(byDocument.values.allSatisfy { $0.count == 3 }, "no document is half stored")
        let rerun = StoreIngestor(store: store, chunker: chunker) { $0.map { _ in [1, 0] } }
        let missing = 24 - byDocument.count
        #expect(try rerun.ingest(documents) == .init(added: missing, unchanged: byDocument.count, chunks: 3 * missing))
        #expect(try store.counts() == (24, 72))
    }
}
