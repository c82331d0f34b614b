import Foundation
import GRDB
import RagTuneRetrieval

/// The embedded document store: SQLite through GRDB, in WAL mode. Each document is written with
/// its chunks and embeddings in one transaction, so a crash (even `kill -9`) leaves every document
/// either fully stored at its old version or fully at its new one, and re-running an ingest
/// finishes the job. Documents carry a content hash, so re-indexing unchanged files does nothing.
public struct SQLiteStore: DocumentStore {
    /// The database file.
    public let path: String
    private let pool: DatabasePool

    /// Opens (creating when needed) the store at `path` and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            pool = try DatabasePool(path: path)
            try Self.migrator.migrate(pool)
        } catch {
            throw StorageError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE document (
                    id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, format TEXT NOT NULL,
                    metadata TEXT NOT NULL, acl TEXT NOT NULL, contentHash INTEGER NOT NULL,
                    version INTEGER NOT NULL, indexedAt REAL NOT NULL);
                CREATE TABLE chunk (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    documentId TEXT NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                    ordinal INTEGER NOT NULL, text TEXT NOT NULL, heading TEXT,
                    startOffset INTEGER NOT NULL, endOffset INTEGER NOT NULL,
                    tokenCount INTEGER NOT NULL, prefixLength INTEGER NOT NULL, embedding BLOB NOT NULL);
                CREATE INDEX chunk_document ON chunk(documentId);
                CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """)
        }
        return migrator
    }

    /// The stored content hash of a document, or nil when it is not stored.
    public func contentHash(of documentId: String) throws -> UInt64? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT contentHash FROM document WHERE id = ?", arguments: [documentId])
                .map { UInt64(bitPattern: $0) }
        }
    }

    /// Stores a document with its chunks and their embeddings, replacing any earlier version,
    /// in one transaction. - Returns: true when the document is new to the store.
    @discardableResult
    public func replace(_ document: SourceDocument, chunks: [Chunk], embeddings: [[Float]]) throws -> Bool {
        guard chunks.count == embeddings.count else {
            throw StorageError.mismatch(path: path, reason: "\(chunks.count) chunks but \(embeddings.count) embeddings for \(document.id)")
        }
        return try write { db in
            let previous = try Int.fetchOne(db, sql: "SELECT version FROM document WHERE id = ?", arguments: [document.id])
            try db.execute(sql: "DELETE FROM document WHERE id = ?", arguments: [document.id])
            try db.execute(sql: """
                INSERT INTO document (id, source, title, format, metadata, acl, contentHash, version, indexedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [document.id, document.sourcePath, document.title, document.format.rawValue,
                                 Self.json(document.metadata), Self.json(document.acl),
                                 Int64(bitPattern: document.contentHash), (previous ?? 0) + 1,
                                 Date().timeIntervalSince1970])
            for (chunk, embedding) in zip(chunks, embeddings) {
                try db.execute(sql: """
                    INSERT INTO chunk (documentId, ordinal, text, heading, startOffset, endOffset, tokenCount,
                                       prefixLength, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [document.id, chunk.ordinal, chunk.text, chunk.heading, chunk.startOffset,
                                     chunk.endOffset, chunk.tokenCount, chunk.prefixLength,
                                     embedding.withUnsafeBytes { Data($0) }])
            }
            try Self.advanceGeneration(db)
            return previous == nil
        }
    }

    /// Removes documents (and their chunks). - Returns: how many were stored.
    @discardableResult
    public func remove(_ documentIds: [String]) throws -> Int {
        try write { db in
            var removed = 0
            for id in documentIds {
                try db.execute(sql: "DELETE FROM document WHERE id = ?", arguments: [id])
                removed += db.changesCount
            }
            if removed > 0 { try Self.advanceGeneration(db) }
            return removed
        }
    }

    /// Every stored document: (id, source path).
    public func documents() throws -> [(id: String, source: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, source FROM document ORDER BY id").map { ($0["id"], $0["source"]) }
        }
    }

    /// (documents, chunks) stored.
    public func counts() throws -> (documents: Int, chunks: Int) {
        try read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunk") ?? 0)
        }
    }

    /// Every chunk with its document's fields, in document then chunk order.
    public func chunks() throws -> [StoredChunk] {
        try snapshot(withEmbeddings: true).chunks
    }

    /// The chunks and the generation they belong to, read in one transaction.
    /// - Parameter withEmbeddings: false leaves every `embedding` empty (much less to read).
    public func snapshot(withEmbeddings: Bool) throws -> StoreSnapshot {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.id, c.documentId, c.ordinal, c.text, c.heading, c.startOffset, c.endOffset, c.tokenCount,
                       c.prefixLength, \(withEmbeddings ? "c.embedding" : "NULL AS embedding"), d.source, d.title,
                       d.metadata, d.acl
                FROM chunk c JOIN document d ON d.id = c.documentId ORDER BY c.documentId, c.ordinal
                """)
            let chunks = try rows.map { row in
                let chunk = Chunk(documentID: row["documentId"], ordinal: row["ordinal"], text: row["text"],
                                  heading: row["heading"], startOffset: row["startOffset"], endOffset: row["endOffset"],
                                  tokenCount: row["tokenCount"], prefixLength: row["prefixLength"])
                return StoredChunk(id: row["id"], chunk: chunk, documentSource: row["source"], documentTitle: row["title"],
                                   metadata: try Self.decode(row["metadata"], path: path),
                                   acl: try Self.decode(row["acl"], path: path),
                                   embedding: try withEmbeddings ? embedding(row) : [])
            }
            return StoreSnapshot(generation: try Self.generation(db), chunks: chunks)
        }
    }

    /// The embeddings of the given chunks (ids not stored are left out).
    public func embeddings(ofChunks ids: [Int64]) throws -> [Int64: [Float]] {
        try read { db in
            var found: [Int64: [Float]] = [:]
            for start in stride(from: 0, to: ids.count, by: 500) {
                let batch = ids[start..<min(start + 500, ids.count)]
                let marks = Array(repeating: "?", count: batch.count).joined(separator: ",")
                for row in try Row.fetchAll(db, sql: "SELECT id, embedding FROM chunk WHERE id IN (\(marks))",
                                            arguments: StatementArguments(Array(batch))) {
                    found[row["id"]] = try embedding(row)
                }
            }
            return found
        }
    }

    /// The store's generation: it grows with every committed change to documents or chunks.
    public func generation() throws -> UInt64 {
        try read { db in try Self.generation(db) }
    }

    private func embedding(_ row: Row) throws -> [Float] {
        let blob: Data = row["embedding"]
        guard blob.count % 4 == 0 else {
            throw StorageError.corruptRow(path: path, reason: "chunk \(row["id"] as Int64) embedding has \(blob.count) bytes")
        }
        return blob.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    private static func generation(_ db: Database) throws -> UInt64 {
        UInt64(try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = 'generation'") ?? "0") ?? 0
    }

    /// Bumps the generation inside the caller's write transaction.
    private static func advanceGeneration(_ db: Database) throws {
        try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('generation', ?) "
                           + "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [String(try generation(db) + 1)])
    }

    /// A setting (e.g. the embedding model the store was built with), or nil.
    public func setting(_ key: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) }
    }

    public func setSetting(_ key: String, _ value: String) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
        }
    }

    // MARK: - Plumbing

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as StorageError { throw error } catch {
            throw StorageError.database(path: path, reason: "\(error)")
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let error as StorageError { throw error } catch {
            throw StorageError.database(path: path, reason: "\(error)")
        }
    }

    private static func json<T: Encodable>(_ value: T) -> String {
        (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "null"
    }

    private static func decode<T: Decodable>(_ text: String, path: String) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
            throw StorageError.corruptRow(path: path, reason: "bad JSON \(text.prefix(80))")
        }
    }
}
