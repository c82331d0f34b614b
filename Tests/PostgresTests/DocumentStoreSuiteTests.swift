import Foundation
import Testing
import RagTuneTestSupport
import RagTunePostgres
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTensor

/// The store suite every backend must pass, SQLite and PostgreSQL alike: documents with their chunks
/// and embeddings, replacement, removal, field updates, generations, reopening, readers that never
/// create, incremental ingest, and search with ACLs and metadata filters in every mode.
@Suite struct DocumentStoreSuiteTests {
    private func document(_ id: String, _ text: String, acl: [String] = [], metadata: [String: String] = [:]) -> SourceDocument {
        SourceDocument(id: id, sourcePath: "/docs/\(id)", title: id.uppercased(), text: text, metadata: metadata,
                       acl: acl, format: .text)
    }

    private func chunks(of document: SourceDocument, count: Int) -> ([Chunk], [[Float]]) {
        let chunks = (0..<count).map {
            Chunk(documentID: document.id, ordinal: $0, text: "\(document.text) #\($0)", heading: $0 == 0 ? "H" : nil,
                  startOffset: 0, endOffset: document.text.unicodeScalars.count, tokenCount: 3, prefixLength: 0)
        }
        return (chunks, (0..<count).map { [Float($0), 0.5, -1.25e-7] })
    }

    private func put(_ store: AnyDocumentStore, _ document: SourceDocument, chunks count: Int) throws {
        let (c, e) = chunks(of: document, count: count)
        try store.replace(document, chunks: c, embeddings: e)
    }

    @Test(.serialized, arguments: StoreBackend.tested)
    func replaceStoresChunksEmbeddingsAndDocumentFields(backend: StoreBackend) throws {
        let location = try backend.makeStore()
        defer { location.drop() }
        let store = try location.open()
        let doc = document("a", "alpha text ✓", acl: ["ann"], metadata: ["team": "x", "year": "2026"])
        let (c, e) = chunks(of: doc, count: 3)
        #expect(try store.replace(doc, chunks: c, embeddings: e))
        #expect(try store.counts() == (1, 3))
        #expect(try store.storedDocument("a") == StoredDocumentInfo(contentHash: doc.contentHash, fieldsHash: doc.fieldsHash, source: "/docs/a"))
        #expect(try store.storedDocument("missing") == nil)
        let stored = try store.chunks()
        #expect(stored.map(\.chunk) == c)
        #expect(stored.map(\.embedding) == e, "embeddings must come back bit for bit")
        #expect(stored[0].acl == ["ann"] && stored[0].metadata == ["team": "x", "year": "2026"] && stored[0].documentTitle == "A")
        #expect(stored[0].isVisible(to: "ann") && !stored[0].isVisible(to: "bob") && !stored[0].isVisible(to: nil))
        #expect(Set(stored.map(\.id)).count == 3)
        let withoutVectors = try store.snapshot(withEmbeddings: false)
        #expect(withoutVectors.chunks.allSatisfy { $0.embedding.isEmpty } && !withoutVectors.storeID.isEmpty)
        #expect(try store.embeddings(ofChunks: stored.map(\.id) + [-5]) == Dictionary(uniqueKeysWithValues: zip(stored.map(\.id), e)))
    }

    @Test(.serialized, arguments: StoreBackend.tested)
    func replacingADocumentDropsItsOldChunksAndRemoveDeletes(backend: StoreBackend) throws {
        let location = try backend.makeStore()
        defer { location.drop() }
        let store = try location.open()
        try put(store, document("a", "first version"), chunks: 4)
        try put(store, document("b", "other"), chunks: 1)
        let generation = try store.generation()
        let v2 = document("a", "second version")
        #expect(try !store.replace(v2, chunks: chunks(of: v2, count: 2).0, embeddings: chunks(of: v2, count: 2).1))
        #expect(try store.generation() == generation + 1)
        #expect(try store.counts() == (2, 3))
        #expect(try store.storedDocument("a")?.contentHash == v2.contentHash)
        #expect(try store.chunks().filter { $0.documentID == "a" }.map(\.chunk.text) == ["second version #0", "second version #1"])
        #expect(try store.remove(["a", "missing"]) == 1)
        #expect(try store.remove(["missing"]) == 0)
        #expect(try store.generation() == generation + 2, "a removal that removes nothing does not advance the generation")
        #expect(try store.counts() == (1, 1))
        #expect(try store.documents().map(\.id) == ["b"])
        #expect(throws: StorageError.self) { try store.replace(v2, chunks: chunks(of: v2, count: 2).0, embeddings: []) }
    }

    /// An ACL or metadata change with the same text rewrites the document's fields in place.
    @Test(.serialized, arguments: StoreBackend.tested)
    func updateFieldsRewritesAclAndMetadataInPlace(backend: StoreBackend) throws {
        let location = try backend.makeStore()
        defer { location.drop() }
        let store = try location.open()
        try put(store, document("a", "plan text"), chunks: 2)
        let generation = try store.generation()
        let ids = try store.chunks().map(\.id)
        let restricted = document("a", "plan text", acl: ["research-board"], metadata: ["team": "r"])
        try store.updateFields(restricted)
        let stored = try store.chunks()
        #expect(stored.map(\.id) == ids)
        #expect(stored.allSatisfy { $0.acl == ["research-board"] && $0.metadata == ["team": "r"] })
        #expect(try store.generation() == generation + 1)
        #expect(try store.storedDocument("a")?.fieldsHash == restricted.fieldsHash)
        #expect(throws: StorageError.self) { try store.updateFields(self.document("a", "other text")) }
        #expect(throws: StorageError.self) { try store.updateFields(self.document("nobody", "plan text")) }
    }

    /// What one process wrote, another opening the store reads; readers never create a store.
    @Test(.serialized, arguments: StoreBackend.tested)
    func dataSurvivesReopeningAndReadersNeverCreate(backend: StoreBackend) throws {
        let location = try backend.makeStore()
        defer { location.drop() }
        for mode in [StoreOpenMode.readOnly, .readWrite] {
            #expect { try location.open(mode) } throws: { "\($0)".hasPrefix("no store at ") }
        }
        do {
            let store = try location.open()
            try put(store, document("a", "kept"), chunks: 2)
            try store.setSetting("embedding_model", "minilm")
            try store.setSetting("embedding_model", "all-MiniLM-L6-v2")
        }
        let reader = try location.open(.readOnly)
        #expect(try reader.counts() == (1, 2))
        #expect(try reader.setting("embedding_model") == "all-MiniLM-L6-v2")
        #expect(try reader.setting("absent") == nil)
        let again = try location.open()
        #expect(try again.snapshot(withEmbeddings: false).storeID == reader.snapshot(withEmbeddings: false).storeID,
                "migrations run once: reopening keeps the store's identity")
    }

    /// Incremental ingest: unchanged documents are skipped, edits replace, an ACL change updates in
    /// place, and a failed embedder loses nothing committed.
    @Test(.serialized, arguments: StoreBackend.tested)
    func incrementalIngestSkipsReplacesAndResumes(backend: StoreBackend) throws {
        let location = try backend.makeStore()
        defer { location.drop() }
        let store = try location.open()
        let chunker = try TextChunker(maxTokens: 8, overlapTokens: 0, countTokens: { $0.split(separator: " ").count })
        func documents(_ count: Int, version: String = "v1") -> [SourceDocument] {
            (0..<count).map { i in
                SourceDocument(id: "doc\(i)", sourcePath: "/doc\(i)", title: "Doc \(i)",
                               text: "First sentence of \(i) here. Second one \(version) follows now. Third closes it all.")
            }
        }
        let embed: ([String]) throws -> [[Float]] = { $0.map { [Float($0.count), 1] } }
        let calls = Counter()
        let failing = StoreIngestor(store: store, chunker: chunker, chunksPerBatch: 6) { texts in
            if calls.next() == 3 { throw RetrievalError.invalidInput("embedder crashed") }
            return try embed(texts)
        }
        #expect(throws: RetrievalError.self) { try failing.ingest(documents(10)) }
        #expect(try store.counts().documents == 4)
        let ingestor = StoreIngestor(store: store, chunker: chunker, embed: embed)
        #expect(try ingestor.ingest(documents(10)) == .init(added: 6, replaced: 0, unchanged: 4, chunks: 18))
        var changed = documents(10)
        changed[4] = documents(5, version: "v2")[4]
        changed[7].acl = ["research-board"]
        #expect(try ingestor.ingest(changed) == .init(replaced: 1, unchanged: 8, chunks: 3, updated: 1))
        let stored = try store.chunks()
        #expect(stored.filter { $0.documentID == "doc4" }.contains { $0.chunk.text.contains("v2") })
        #expect(stored.filter { $0.documentID == "doc7" }.allSatisfy { $0.acl == ["research-board"] })
        #expect(stored.allSatisfy { $0.embedding == [Float($0.chunk.text.count), 1] })
    }

    /// Search over the store's chunks honours the ACL and metadata filters in every mode, before top-k.
    @Test(.serialized, arguments: StoreBackend.tested)
    func searchAppliesAclAndFiltersInEveryMode(backend: StoreBackend) throws {
        let location = try backend.makeStore()
        defer { location.drop() }
        let store = try location.open()
        var random = SplitMix64(seed: 3)
        func unit() -> [Float] {
            let v = random.floats(16)
            let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            return v.map { $0 / norm }
        }
        for i in 0..<40 {
            let doc = document("d\(i)", "note \(i) about zebra topic \(i % 5)", metadata: ["team": i % 2 == 0 ? "even" : "odd"])
            try store.replace(doc, chunks: [Chunk(documentID: doc.id, ordinal: 0, text: doc.text, heading: nil, startOffset: 0,
                                                  endOffset: doc.text.unicodeScalars.count, tokenCount: 6, prefixLength: 0)],
                              embeddings: [unit()])
        }
        let secretVector = unit()
        let secret = document("secret", "zebra zebra secret plans", acl: ["ann"], metadata: ["team": "even"])
        try store.replace(secret, chunks: [Chunk(documentID: "secret", ordinal: 0, text: secret.text, heading: nil, startOffset: 0,
                                                  endOffset: secret.text.unicodeScalars.count, tokenCount: 4, prefixLength: 0)],
                          embeddings: [secretVector])
        let indexes = StoreIndexes(storePath: location.location)
        // A URL has no folder beside it: nothing is written (no `postgres:/…` folder in the working directory).
        #expect((indexes.directory == nil) == (backend == .postgres))
        let searcher = try indexes.searcher(for: store, mode: .hybrid)
        for mode in SearchMode.allCases {
            let asAnn = try searcher.search("zebra secret", embedding: secretVector, mode: mode, k: 3, user: "ann")
            #expect(asAnn.first?.chunk.documentID == "secret", "\(mode)")
            let asBob = try searcher.search("zebra secret", embedding: secretVector, mode: mode, k: 41, user: "bob")
            #expect(!asBob.contains { $0.chunk.documentID == "secret" } && asBob.count == 40, "\(mode): \(asBob.count)")
            let odd = try searcher.search("zebra", embedding: secretVector, mode: mode, k: 5, user: "ann", filters: [("team", "odd")])
            #expect(odd.count == 5 && odd.allSatisfy { $0.chunk.metadata["team"] == "odd" }, "\(mode)")
        }
    }

    /// Two writers (threads with their own connections, as two processes) ingesting the same
    /// documents store each once, with one set of chunks, and every commit advances the generation.
    @Test(.serialized, arguments: StoreBackend.tested)
    func concurrentWritersStoreEachDocumentOnce(backend: StoreBackend) throws {
        let location = try backend.makeStore()
        defer { location.drop() }
        _ = try location.open()
        let errors = Counter()
        DispatchQueue.concurrentPerform(iterations: 2) { writer in
            do {
                let store = try location.open()
                for i in 0..<15 { try put(store, document("doc\(i)", "text of \(i) by writer \(writer)"), chunks: 3) }
            } catch {
                errors.next()
                Issue.record("writer \(writer): \(error)")
            }
        }
        let store = try location.open(.readOnly)
        #expect(errors.value == 0)
        #expect(try store.counts() == (15, 45))
        let byDocument = Dictionary(grouping: try store.chunks(), by: \.documentID)
        #expect(byDocument.values.allSatisfy { Set($0.map(\.ordinal)) == [0, 1, 2] && Set($0.map { $0.text.split(separator: " ")[5] }).count == 1 })
        #expect(try store.generation() == 30)
    }
}

/// A thread-safe counter. - `next()` returns the new count.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    @discardableResult
    func next() -> Int { lock.withLock { count += 1; return count } }
}
