import Foundation
import NIOCore
import PostgresNIO
import RagTuneRetrieval
import RagTuneStorage

/// The document store on PostgreSQL with pgvector, for teams that outgrow one machine: several
/// RagTune processes share one database. It behaves as `SQLiteStore` does: each document is written
/// with its chunks and embeddings in one transaction (a lost connection leaves every document at its
/// old or its new version), the generation grows with every committed change, and a document's id is
/// its key, so two processes ingesting the same file store it once. The tables live in the URL's
/// schema (`?schema=`, default `public`), so one database can hold several stores. It searches
/// itself (`SearchableStore`, in `PostgresStore+Search.swift`): BM25 postings are written with their
/// chunks, and the HNSW index is built after a load.
public struct PostgresStore: DocumentStore {
    /// The store's URL without its password (for messages).
    public let path: String
    public let location: PostgresLocation
    let pool: PostgresConnectionPool

    /// Connects and, unless read-only, brings the schema up to date (migrations run at start). A
    /// read-only store's connections refuse every write.
    /// - Throws: `StorageError.noStore` when `mode` is not `.create` and the schema holds no store;
    ///   `cannotOpen` naming the URL (never its password) when the server cannot be reached.
    public init(location: PostgresLocation, mode: StoreOpenMode = .create, maximumConnections: Int = 4) throws {
        self.location = location
        path = location.description
        pool = try PostgresConnectionPool(location: location, maximumConnections: maximumConnections, readOnly: mode == .readOnly)
        switch mode {
        case .create:
            try PostgresMigrations.migrate(pool)
        case .readWrite, .readOnly:
            guard try PostgresMigrations.storeExists(pool) else { throw StorageError.noStore(path: path) }
            if mode == .readWrite { try PostgresMigrations.migrate(pool) }
        }
    }

    /// Deletes the store at `location`: its schema with everything in it, or, in `public`, only
    /// RagTune's tables.
    public static func destroy(at location: PostgresLocation) throws {
        let pool = try PostgresConnectionPool(location: location, maximumConnections: 1)
        defer { pool.close() }
        try pool.withConnection { connection in
            if location.schema == "public" {
                for table in PostgresMigrations.allTables {
                    try pool.run("DROP TABLE IF EXISTS \(table) CASCADE", on: connection)
                }
            } else {
                try pool.run("DROP SCHEMA IF EXISTS \"\(location.schema)\" CASCADE", on: connection)
            }
        }
    }

    public func storedDocument(_ documentId: String) throws -> StoredDocumentInfo? {
        try pool.withConnection { connection in
            try pool.query("SELECT content_hash, fields_hash, source FROM ragtune_document WHERE id = \(documentId)",
                           on: connection).rows.first.map { row in
                let (content, fields, source) = try row.decode((Int64, Int64?, String).self)
                return StoredDocumentInfo(contentHash: UInt64(bitPattern: content), fieldsHash: fields.map { UInt64(bitPattern: $0) },
                                          source: source)
            }
        }
    }

    public func updateFields(_ document: SourceDocument) throws {
        try pool.inTransaction { connection in
            let result = try pool.query("""
                UPDATE ragtune_document SET source = \(document.sourcePath), format = \(document.format.rawValue),
                    metadata = \(Self.json(document.metadata))::jsonb, acl = \(document.acl),
                    fields_hash = \(Int64(bitPattern: document.fieldsHash)), version = version + 1, indexed_at = now()
                WHERE id = \(document.id) AND content_hash = \(Int64(bitPattern: document.contentHash))
                """, on: connection)
            guard result.metadata.rows == 1 else {
                throw StorageError.mismatch(path: path, reason: "cannot update \(document.id): not stored with this text")
            }
            try advanceGeneration(connection)
        }
    }

    @discardableResult
    public func replace(_ document: SourceDocument, chunks: [Chunk], embeddings: [[Float]]) throws -> Bool {
        guard chunks.count == embeddings.count else {
            throw StorageError.mismatch(path: path, reason: "\(chunks.count) chunks but \(embeddings.count) embeddings for \(document.id)")
        }
        if let bad = embeddings.first(where: { $0.isEmpty || !$0.allSatisfy(\.isFinite) }) {
            throw StorageError.mismatch(path: path, reason: "\(document.id) has an embedding that pgvector cannot store "
                                        + "(\(bad.isEmpty ? "empty" : "not finite"))")
        }
        return try pool.inTransaction { connection in
            // The upsert locks the document's row: a second process replacing the same document waits
            // here, then replaces this version's chunks with its own (never both sets).
            let inserted = try pool.query("""
                INSERT INTO ragtune_document AS d (id, source, title, format, metadata, acl, content_hash, fields_hash,
                                                   version, indexed_at)
                VALUES (\(document.id), \(document.sourcePath), \(document.title), \(document.format.rawValue),
                        \(Self.json(document.metadata))::jsonb, \(document.acl), \(Int64(bitPattern: document.contentHash)),
                        \(Int64(bitPattern: document.fieldsHash)), 1, now())
                ON CONFLICT (id) DO UPDATE SET source = excluded.source, title = excluded.title, format = excluded.format,
                    metadata = excluded.metadata, acl = excluded.acl, content_hash = excluded.content_hash,
                    fields_hash = excluded.fields_hash, version = d.version + 1, indexed_at = excluded.indexed_at
                RETURNING (xmax = 0)
                """, on: connection).rows.first?.decode(Bool.self) ?? false
            // The old chunks go with their postings (ON DELETE CASCADE); what they counted comes back
            // so the collection's counts change once, at the end (its row lock is then held briefly).
            let gone = try pool.query("""
                WITH gone AS (DELETE FROM ragtune_chunk WHERE document_id = \(document.id) RETURNING bm25_length)
                SELECT count(bm25_length), coalesce(sum(bm25_length), 0) FROM gone
                """, on: connection).rows.first?.decode((Int, Int).self) ?? (0, 0)
            var added = (chunks: 0, tokens: 0)
            if !chunks.isEmpty {
                let postings = chunks.map { PostgresPostings.ChunkPostings(of: $0.text) }
                let ids = try pool.query("""
                    INSERT INTO ragtune_chunk (document_id, ordinal, text, heading, start_offset, end_offset, token_count,
                                               prefix_length, embedding, bm25_length)
                    SELECT \(document.id), c.ordinal, c.text, CASE WHEN c.has_heading THEN c.heading END, c.start_offset,
                           c.end_offset, c.token_count, c.prefix_length, c.embedding::vector, c.bm25_length
                    FROM unnest(\(chunks.map(\.ordinal)), \(chunks.map(\.text)), \(chunks.map { $0.heading ?? "" }),
                                \(chunks.map { $0.heading != nil }), \(chunks.map(\.startOffset)), \(chunks.map(\.endOffset)),
                                \(chunks.map(\.tokenCount)), \(chunks.map(\.prefixLength)), \(embeddings.map(Self.vectorText)),
                                \(postings.map(\.length)))
                        AS c(ordinal, text, heading, has_heading, start_offset, end_offset, token_count, prefix_length, embedding,
                             bm25_length)
                    RETURNING ordinal, id
                    """, on: connection).rows.map { try $0.decode((Int, Int64).self) }
                let idOfOrdinal = Dictionary(ids, uniquingKeysWith: { first, _ in first })
                try PostgresPostings.insert(postings, of: chunks.map { idOfOrdinal[$0.ordinal] ?? -1 }, pool, connection)
                added = (chunks.count, postings.map(\.length).reduce(0, +))
            }
            try PostgresPostings.count(chunks: added.chunks - gone.0, tokens: added.tokens - gone.1, pool, connection)
            try advanceGeneration(connection)
            return inserted
        }
    }

    @discardableResult
    public func remove(_ documentIds: [String]) throws -> Int {
        guard !documentIds.isEmpty else { return 0 }
        return try pool.inTransaction { connection in
            try PostgresPostings.forget(documents: documentIds, pool, connection)
            let removed = try pool.query("DELETE FROM ragtune_document WHERE id = ANY(\(documentIds))", on: connection)
                .metadata.rows ?? 0
            if removed > 0 { try advanceGeneration(connection) }
            return removed
        }
    }

    public func documents() throws -> [(id: String, source: String)] {
        try pool.withConnection { connection in
            try pool.query("SELECT id, source FROM ragtune_document ORDER BY id COLLATE \"C\"", on: connection).rows.map {
                try $0.decode((String, String).self)
            }
        }
    }

    public func counts() throws -> (documents: Int, chunks: Int) {
        try pool.withConnection { connection in
            let row = try pool.query("SELECT (SELECT count(*) FROM ragtune_document), (SELECT count(*) FROM ragtune_chunk)",
                                     on: connection).rows.first
            let (documents, chunks) = try row?.decode((Int, Int).self) ?? (0, 0)
            return (documents, chunks)
        }
    }

    /// The chunks and the generation they belong to, read in one repeatable-read transaction.
    public func snapshot(withEmbeddings: Bool) throws -> StoreSnapshot {
        try pool.inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { connection in
            let generation = try Self.readGeneration(pool, connection)
            let storeID = try Self.readSetting("store_id", pool, connection) ?? ""
            let chunks = try pool.query("""
                SELECT \(unescaped: Self.chunkColumns(withEmbeddings: withEmbeddings))
                FROM ragtune_chunk c JOIN ragtune_document d ON d.id = c.document_id
                ORDER BY c.document_id COLLATE "C", c.ordinal
                """, on: connection).rows.map { try Self.decodeChunk($0, path: path) }
            return StoreSnapshot(generation: generation, chunks: chunks, storeID: storeID)
        }
    }

    public func embeddings(ofChunks ids: [Int64]) throws -> [Int64: [Float]] {
        guard !ids.isEmpty else { return [:] }
        return try pool.withConnection { connection in
            var found: [Int64: [Float]] = [:]
            for start in stride(from: 0, to: ids.count, by: 10_000) {
                let batch = Array(ids[start..<min(start + 10_000, ids.count)])
                for row in try pool.query("SELECT id, embedding FROM ragtune_chunk WHERE id = ANY(\(batch))", on: connection).rows {
                    let (id, vector) = try row.decode((Int64, ByteBuffer).self)
                    found[id] = try Self.decodeVector(vector, chunk: id, path: path)
                }
            }
            return found
        }
    }

    public func generation() throws -> UInt64 {
        try pool.withConnection { try Self.readGeneration(pool, $0) }
    }

    public func setting(_ key: String) throws -> String? {
        try pool.withConnection { try Self.readSetting(key, pool, $0) }
    }

    public func setSetting(_ key: String, _ value: String) throws {
        _ = try pool.withConnection { connection in
            try pool.query("""
                INSERT INTO ragtune_setting (key, value) VALUES (\(key), \(value))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, on: connection)
        }
    }

    // MARK: - Plumbing

    /// The columns `decodeChunk` reads, from `ragtune_chunk c` joined with `ragtune_document d`.
    static func chunkColumns(withEmbeddings: Bool) -> String {
        """
        c.id, c.document_id, c.ordinal, c.text, c.heading, c.start_offset, c.end_offset, c.token_count, c.prefix_length,
        \(withEmbeddings ? "c.embedding" : "NULL::vector"), d.source, d.title, d.metadata::text, d.acl
        """
    }

    /// A chunk with its document's fields from a row of `chunkColumns`.
    static func decodeChunk(_ row: PostgresRow, path: String) throws -> StoredChunk {
        let (id, documentID, ordinal, text, heading, start, end, tokens, prefix, vector, source, title, metadata, acl)
            = try row.decode((Int64, String, Int, String, String?, Int, Int, Int, Int, ByteBuffer?, String, String,
                              String, [String]).self)
        let chunk = Chunk(documentID: documentID, ordinal: ordinal, text: text, heading: heading, startOffset: start,
                          endOffset: end, tokenCount: tokens, prefixLength: prefix)
        return StoredChunk(id: id, chunk: chunk, documentSource: source, documentTitle: title,
                           metadata: try decodeMetadata(metadata, path: path), acl: acl,
                           embedding: try vector.map { try decodeVector($0, chunk: id, path: path) } ?? [])
    }

    /// Bumps the generation inside the caller's transaction (the row lock orders concurrent writers).
    private func advanceGeneration(_ connection: PostgresConnection) throws {
        try pool.query("UPDATE ragtune_setting SET value = (value::bigint + 1)::text WHERE key = 'generation'", on: connection)
    }

    private static func readGeneration(_ pool: PostgresConnectionPool, _ connection: PostgresConnection) throws -> UInt64 {
        UInt64(try readSetting("generation", pool, connection) ?? "0") ?? 0
    }

    static func readSetting(_ key: String, _ pool: PostgresConnectionPool, _ connection: PostgresConnection) throws -> String? {
        try pool.query("SELECT value FROM ragtune_setting WHERE key = \(key)", on: connection).rows.first?.decode(String.self)
    }

    /// pgvector's text form, `[0.1,-2,…]` (Swift prints the shortest text that reads back exactly).
    static func vectorText(_ vector: [Float]) -> String {
        "[" + vector.map { "\($0)" }.joined(separator: ",") + "]"
    }

    /// pgvector's binary form: dimension (UInt16), an unused UInt16, then the Float32s, big-endian.
    static func decodeVector(_ buffer: ByteBuffer, chunk: Int64, path: String) throws -> [Float] {
        var buffer = buffer
        guard let dimension = buffer.readInteger(as: UInt16.self), buffer.readInteger(as: UInt16.self) != nil,
              buffer.readableBytes == Int(dimension) * 4 else {
            throw StorageError.corruptRow(path: path, reason: "chunk \(chunk)'s embedding is not a pgvector vector")
        }
        return (0..<Int(dimension)).map { _ in Float(bitPattern: buffer.readInteger(as: UInt32.self)!) }
    }

    private static func json(_ metadata: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(decoding: encoder.encode(metadata), as: UTF8.self)) ?? "{}"
    }

    private static func decodeMetadata(_ text: String, path: String) throws -> [String: String] {
        do { return try JSONDecoder().decode([String: String].self, from: Data(text.utf8)) } catch {
            throw StorageError.corruptRow(path: path, reason: "document metadata is not a JSON object of strings: \(text.prefix(80))")
        }
    }
}
