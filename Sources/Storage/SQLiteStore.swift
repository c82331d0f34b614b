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
    /// Whether the document table has the `fieldsHash` column (always after migration; a store
    /// opened read-only may predate it).
    private let hasFieldsHash: Bool

    /// How a store is opened (shared with the other stores).
    public typealias OpenMode = StoreOpenMode

    /// Opens the store at `path` and, unless read-only, brings its schema up to date.
    /// - Throws: `StorageError.noStore` when `mode` is not `.create` and there is no file at
    ///   `path` (a typo never creates an empty store); `cannotOpen` naming the path otherwise.
    public init(path: String, mode: OpenMode = .create) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists && isDirectory.boolValue {
            throw StorageError.cannotOpen(path: path, reason: "it is a folder, not a store file")
        }
        if mode != .create && !exists { throw StorageError.noStore(path: path) }
        do {
            switch mode {
            case .create, .readWrite:
                let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                // Another process may hold the write lock for a moment (an indexer committing a
                // document while another opens the store): wait for it instead of failing at once.
                var configuration = Configuration()
                configuration.busyMode = .timeout(30)
                pool = try DatabasePool(path: path, configuration: configuration)
                try Self.migrator.migrate(pool)
            case .readOnly:
                pool = try Self.openReadOnly(path)
            }
        } catch {
            throw StorageError.cannotOpen(path: path, reason: "\(error)")
        }
        if mode == .readOnly {
            try Self.checkSchema(pool, path: path)
        }
        do {
            hasFieldsHash = try pool.read { db in try db.columns(in: "document").contains { $0.name == "fieldsHash" } }
        } catch {
            throw StorageError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// A read-only connection pool. SQLite needs the `-shm` file of a WAL database; in a folder the
    /// caller cannot write (and with no `-shm` left behind) it opens the file as immutable instead,
    /// which is right for a store nobody is writing to at the time.
    private static func openReadOnly(_ path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.readonly = true
        func open(_ location: String) throws -> DatabasePool {   // a first read shows whether SQLite can use it
            let pool = try DatabasePool(path: location, configuration: configuration)
            try pool.read { db in _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") }
            return pool
        }
        do { return try open(path) } catch {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let escaped = absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["?", "#", "%"])) ?? absolute
            return try open("file:\(escaped)?immutable=1")
        }
    }

    /// Refuses a file that is not a RagTune store (an SQLite file of something else).
    private static func checkSchema(_ pool: DatabasePool, path: String) throws {
        let tables: [String]
        do {
            tables = try pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        } catch {
            throw StorageError.cannotOpen(path: path, reason: "\(error)")
        }
        guard ["document", "chunk", "setting"].allSatisfy(tables.contains) else {
            throw StorageError.cannotOpen(path: path, reason: "not a RagTune store (no document/chunk tables)")
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
        // v2: a hash of source, format, ACL and metadata, so a changed ACL reaches the store even
        // when the text did not change. NULL (documents stored before v2) counts as changed.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE document ADD COLUMN fieldsHash INTEGER")
        }
        // v3: a random identity, which the index files beside the store record (`StoreSnapshot.storeHash`).
        migrator.registerMigration("v3") { db in
            try db.execute(sql: "INSERT OR IGNORE INTO setting (key, value) VALUES ('store_id', ?)", arguments: [UUID().uuidString])
        }
        return migrator
    }

    /// What the store holds of a document (hashes and source), or nil when it is not stored.
    public func storedDocument(_ documentId: String) throws -> StoredDocumentInfo? {
        try read { db in
            let sql = "SELECT contentHash, \(hasFieldsHash ? "fieldsHash" : "NULL AS fieldsHash"), source FROM document WHERE id = ?"
            return try Row.fetchOne(db, sql: sql, arguments: [documentId]).map { row in
                StoredDocumentInfo(contentHash: UInt64(bitPattern: try row.decode(Int64.self, forColumn: "contentHash")),
                                   fieldsHash: try row.decode(Int64?.self, forColumn: "fieldsHash").map { UInt64(bitPattern: $0) },
                                   source: try row.decode(forColumn: "source"))
            }
        }
    }

    /// Rewrites a stored document's source, format, ACL and metadata (its chunks and embeddings stay;
    /// search reads the ACL from the document), in one transaction that advances the generation.
    /// - Throws: `StorageError.mismatch` when the document is not stored or its text changed.
    public func updateFields(_ document: SourceDocument) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE document SET source = ?, format = ?, metadata = ?, acl = ?, fieldsHash = ?, version = version + 1,
                       indexedAt = ? WHERE id = ? AND contentHash = ?
                """, arguments: [document.sourcePath, document.format.rawValue, Self.json(document.metadata),
                                 Self.json(document.acl), Int64(bitPattern: document.fieldsHash),
                                 Date().timeIntervalSince1970, document.id, Int64(bitPattern: document.contentHash)])
            guard db.changesCount == 1 else {
                throw StorageError.mismatch(path: path, reason: "cannot update \(document.id): not stored with this text")
            }
            try Self.advanceGeneration(db)
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
                INSERT INTO document (id, source, title, format, metadata, acl, contentHash, fieldsHash, version, indexedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [document.id, document.sourcePath, document.title, document.format.rawValue,
                                 Self.json(document.metadata), Self.json(document.acl),
                                 Int64(bitPattern: document.contentHash), Int64(bitPattern: document.fieldsHash),
                                 (previous ?? 0) + 1,
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
            try Row.fetchAll(db, sql: "SELECT id, source FROM document ORDER BY id").map {
                (try $0.decode(String.self, forColumn: "id"), try $0.decode(String.self, forColumn: "source"))
            }
        }
    }

    /// (documents, chunks) stored.
    public func counts() throws -> (documents: Int, chunks: Int) {
        try read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunk") ?? 0)
        }
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
                let chunk = Chunk(documentID: try row.decode(forColumn: "documentId"), ordinal: try row.decode(forColumn: "ordinal"),
                                  text: try row.decode(forColumn: "text"), heading: try row.decode(forColumn: "heading"),
                                  startOffset: try row.decode(forColumn: "startOffset"), endOffset: try row.decode(forColumn: "endOffset"),
                                  tokenCount: try row.decode(forColumn: "tokenCount"),
                                  prefixLength: try row.decode(forColumn: "prefixLength"))
                guard chunk.ordinal >= 0, chunk.tokenCount >= 0, chunk.startOffset >= 0, chunk.startOffset <= chunk.endOffset,
                      (0...chunk.text.unicodeScalars.count).contains(chunk.prefixLength) else {
                    throw StorageError.corruptRow(path: path, reason: "chunk \(chunk.ordinal) of \(chunk.documentID) has "
                        + "offsets \(chunk.startOffset)..<\(chunk.endOffset), prefix \(chunk.prefixLength), \(chunk.tokenCount) tokens")
                }
                return StoredChunk(id: try row.decode(forColumn: "id"), chunk: chunk, documentSource: try row.decode(forColumn: "source"),
                                   documentTitle: try row.decode(forColumn: "title"),
                                   metadata: try Self.decode(try row.decode(forColumn: "metadata"), path: path),
                                   acl: try Self.decode(try row.decode(forColumn: "acl"), path: path),
                                   embedding: try withEmbeddings ? embedding(row) : [])
            }
            // A damaged SQLite index can make the join return a chunk twice: refuse it (the
            // indexes map chunk ids to positions one to one).
            var seen = Set<Int64>()
            if let repeated = chunks.first(where: { !seen.insert($0.id).inserted }) {
                throw StorageError.corruptRow(path: path, reason: "chunk \(repeated.id) is read twice (a damaged SQLite "
                                              + "index; `sqlite3 \(path) 'REINDEX'` rebuilds it)")
            }
            let storeID = try Self.setting("store_id", db) ?? ""
            return StoreSnapshot(generation: try Self.generation(db), chunks: chunks, storeID: storeID)
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
                    found[try row.decode(Int64.self, forColumn: "id")] = try embedding(row)
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
        let blob = try row.decode(Data.self, forColumn: "embedding")
        guard blob.count % 4 == 0 else {
            throw StorageError.corruptRow(path: path, reason: "chunk \((try? row.decode(Int64.self, forColumn: "id")).map(String.init) ?? "?") embedding has \(blob.count) bytes")
        }
        return blob.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    private static func generation(_ db: Database) throws -> UInt64 {
        UInt64(try setting("generation", db) ?? "0") ?? 0
    }

    private static func setting(_ key: String, _ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key])
    }

    /// Bumps the generation inside the caller's write transaction.
    private static func advanceGeneration(_ db: Database) throws {
        try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('generation', ?) "
                           + "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [String(try generation(db) + 1)])
    }

    /// A setting (e.g. the embedding model the store was built with), or nil.
    public func setting(_ key: String) throws -> String? {
        try read { db in try Self.setting(key, db) }
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

    /// `[String]` and `[String: String]` always encode; keys sorted so equal values store equal text.
    private static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
    }

    private static func decode<T: Decodable>(_ text: String, path: String) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
            throw StorageError.corruptRow(path: path, reason: "bad JSON \(text.prefix(80))")
        }
    }
}
