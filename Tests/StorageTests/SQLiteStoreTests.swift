import Foundation
import Testing
import RagTuneRetrieval
@testable import RagTuneStorage

@Suite struct SQLiteStoreTests {
    private func temporaryStore() throws -> SQLiteStore {
        try SQLiteStore(path: FileManager.default.temporaryDirectory
            .appendingPathComponent("ragtune-store-\(UUID().uuidString)/store.sqlite").path)
    }

    private func document(_ id: String, _ text: String, acl: [String] = [], metadata: [String: String] = [:]) -> SourceDocument {
        SourceDocument(id: id, sourcePath: "/docs/\(id)", title: id.uppercased(), text: text, metadata: metadata,
                       acl: acl, format: .text)
    }

    private func chunks(of document: SourceDocument, count: Int) -> ([Chunk], [[Float]]) {
        let chunks = (0..<count).map {
            Chunk(documentID: document.id, ordinal: $0, text: "\(document.text) #\($0)", heading: $0 == 0 ? "H" : nil,
                  startOffset: 0, endOffset: document.text.unicodeScalars.count, tokenCount: 3, prefixLength: 0)
        }
        return (chunks, (0..<count).map { [Float($0), 0.5, -1] })
    }

    @Test func replaceStoresChunksEmbeddingsAndDocumentFields() throws {
        let store = try temporaryStore()
        let doc = document("a", "alpha text", acl: ["ann"], metadata: ["team": "x"])
        let (c, e) = chunks(of: doc, count: 3)
        #expect(try store.replace(doc, chunks: c, embeddings: e))
        #expect(try store.counts() == (1, 3))
        #expect(try store.storedDocument("a") == StoredDocumentInfo(contentHash: doc.contentHash, fieldsHash: doc.fieldsHash, source: "/docs/a"))
        let stored = try store.chunks()
        #expect(stored.map(\.chunk) == c)
        #expect(stored.map(\.embedding) == e)
        #expect(stored[0].acl == ["ann"] && stored[0].metadata == ["team": "x"] && stored[0].documentTitle == "A")
        #expect(stored[0].isVisible(to: "ann") && !stored[0].isVisible(to: "bob") && !stored[0].isVisible(to: nil))
        #expect(stored[0].matches([("team", "x"), ("source", "/docs/a")]) && !stored[0].matches([("team", "y")]))
    }

    @Test func replacingADocumentDropsItsOldChunksAndRemoveDeletes() throws {
        let store = try temporaryStore()
        let v1 = document("a", "first version"), other = document("b", "other")
        try store.replace(v1, chunks: chunks(of: v1, count: 4).0, embeddings: chunks(of: v1, count: 4).1)
        try store.replace(other, chunks: chunks(of: other, count: 1).0, embeddings: chunks(of: other, count: 1).1)
        let v2 = document("a", "second version")
        #expect(try !store.replace(v2, chunks: chunks(of: v2, count: 2).0, embeddings: chunks(of: v2, count: 2).1))
        #expect(try store.counts() == (2, 3))
        #expect(try store.storedDocument("a")?.contentHash == v2.contentHash)
        #expect(try store.remove(["a", "missing"]) == 1)
        #expect(try store.counts() == (1, 1))
        #expect(try store.documents().map(\.id) == ["b"])
    }

    @Test func dataSurvivesReopeningAndMismatchesAreErrors() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-reopen-\(UUID().uuidString).sqlite").path
        do {
            let store = try SQLiteStore(path: path)
            let doc = document("a", "kept")
            try store.replace(doc, chunks: chunks(of: doc, count: 2).0, embeddings: chunks(of: doc, count: 2).1)
            try store.setSetting("embedding_model", "minilm")
            #expect(throws: StorageError.self) { try store.replace(doc, chunks: chunks(of: doc, count: 2).0, embeddings: []) }
        }
        let reopened = try SQLiteStore(path: path)
        #expect(try reopened.counts() == (1, 2))
        #expect(try reopened.setting("embedding_model") == "minilm")
        #expect(throws: StorageError.self) { try SQLiteStore(path: "/proc/ragtune-cannot-create/store.sqlite") }
    }

    /// Only ingestion creates a store: a typo'd path given to a reader is an error, not a new empty store.
    @Test func readersNeverCreateAStore() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-typo-\(UUID().uuidString)/kb.sqlit").path
        for mode in [SQLiteStore.OpenMode.readOnly, .readWrite] {
            #expect {
                try SQLiteStore(path: missing, mode: mode)
            } throws: { error in
                "\(error)".hasPrefix("no store at \(missing)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
        #expect(!FileManager.default.fileExists(atPath: (missing as NSString).deletingLastPathComponent))
    }

    /// A read-only store is searched without a single write; writes through it fail cleanly.
    @Test func readOnlyOpeningReadsAndRefusesWrites() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-ro-\(UUID().uuidString).sqlite").path
        let doc = document("a", "kept")
        do {
            let store = try SQLiteStore(path: path)
            try store.replace(doc, chunks: chunks(of: doc, count: 2).0, embeddings: chunks(of: doc, count: 2).1)
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let reader = try SQLiteStore(path: path, mode: .readOnly)
        #expect(try reader.counts() == (1, 2))
        #expect(try reader.chunks().count == 2)
        #expect(throws: StorageError.self) { try reader.remove(["a"]) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let notAStore = path + ".other"
        try Data().write(to: URL(fileURLWithPath: notAStore))
        #expect(throws: StorageError.self) { try SQLiteStore(path: notAStore, mode: .readOnly) }
    }

    /// An ACL or metadata change with the same text rewrites the document's fields (the chunks
    /// read it at once) and advances the generation; a changed text is refused.
    @Test func updateFieldsRewritesAclAndMetadataInPlace() throws {
        let store = try temporaryStore()
        let open = document("a", "plan text")
        try store.replace(open, chunks: chunks(of: open, count: 2).0, embeddings: chunks(of: open, count: 2).1)
        let generation = try store.generation()
        let ids = try store.chunks().map(\.id)
        let restricted = document("a", "plan text", acl: ["research-board"], metadata: ["team": "r"])
        #expect(restricted.contentHash == open.contentHash && restricted.fieldsHash != open.fieldsHash)
        try store.updateFields(restricted)
        let stored = try store.chunks()
        #expect(stored.map(\.id) == ids)
        #expect(stored.allSatisfy { $0.acl == ["research-board"] && $0.metadata == ["team": "r"] })
        #expect(stored.allSatisfy { !$0.isVisible(to: nil) && !$0.isVisible(to: "bob") && $0.isVisible(to: "research-board") })
        #expect(try store.generation() == generation + 1)
        #expect(try store.storedDocument("a")?.fieldsHash == restricted.fieldsHash)
        #expect(throws: StorageError.self) { try store.updateFields(document("a", "other text")) }
    }
}
