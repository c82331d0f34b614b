import Foundation
import Testing
import RagTuneRetrieval
@testable import RagTuneStorage

/// What only the SQLite store does (files, folders, read-only volumes). The behaviour every store
/// shares (replace, remove, field updates, generations, ingest, search) is the suite in
/// Tests/PostgresTests/DocumentStoreSuiteTests, run on SQLite and PostgreSQL.
@Suite struct SQLiteStoreTests {
    private func document(_ id: String, _ text: String) -> SourceDocument {
        SourceDocument(id: id, sourcePath: "/docs/\(id)", title: id.uppercased(), text: text, format: .text)
    }

    /// `count` chunks of `document` with 3-d embeddings.
    private func chunks(of document: SourceDocument, count: Int) -> ([Chunk], [[Float]]) {
        ((0..<count).map {
            Chunk(documentID: document.id, ordinal: $0, text: "\(document.text) #\($0)", heading: nil, startOffset: 0,
                  endOffset: document.text.unicodeScalars.count, tokenCount: 3, prefixLength: 0)
        }, (0..<count).map { [Float($0), 1, 0] })
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
}
