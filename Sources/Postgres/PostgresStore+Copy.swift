import PostgresNIO
import RagTuneStorage

extension PostgresStore {
    /// Copies the store at `source` to `destination`, a schema of the same database, replacing any
    /// store there, without leaving PostgreSQL: documents, chunks (their ids kept), postings, the
    /// collection's counts and the settings. The copy gets its own store id, and no vector index
    /// (the next `refreshSearchIndexes` builds one where it is due).
    /// - Throws: `StorageError.mismatch` for two databases; `noStore` when `source` holds no store.
    public static func copy(from source: PostgresLocation, to destination: PostgresLocation) throws {
        guard source.host == destination.host, source.port == destination.port, source.database == destination.database,
              source.schema != destination.schema else {
            throw StorageError.mismatch(path: destination.description,
                                        reason: "a store is copied only to another schema of its own database (\(source))")
        }
        // Brings the source up to date (so both have the same columns in the same order).
        _ = try PostgresStore(location: source, mode: .readWrite)
        try destroy(at: destination)
        let copy = try PostgresStore(location: destination, mode: .create, maximumConnections: 1)
        let from = "\"\(source.schema)\"", to = "\"\(destination.schema)\""
        try copy.pool.inTransaction { connection in
            for table in ["ragtune_document", "ragtune_chunk", "ragtune_posting"] {
                try copy.pool.run("INSERT INTO \(to).\(table) SELECT * FROM \(from).\(table)", on: connection)
            }
            try copy.pool.run("""
                SELECT setval(pg_get_serial_sequence('\(to).ragtune_chunk', 'id'),
                              coalesce((SELECT max(id) FROM \(to).ragtune_chunk), 0) + 1, false)
                """, on: connection)
            try copy.pool.run("UPDATE \(to).ragtune_corpus SET chunks = s.chunks, tokens = s.tokens FROM \(from).ragtune_corpus s",
                              on: connection)
            try copy.pool.run("""
                INSERT INTO \(to).ragtune_setting (key, value)
                SELECT key, value FROM \(from).ragtune_setting WHERE key NOT IN ('store_id', '\(PostgresVectorIndex.settingKey)')
                ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                """, on: connection)
        }
    }

    /// Bytes the store's tables and their indexes take in the database.
    public func bytesUsed() throws -> Int {
        try pool.withConnection { connection in
            try pool.query("""
                SELECT coalesce(sum(pg_total_relation_size(format('%I.%I', table_schema, table_name)::regclass)), 0)::bigint
                FROM information_schema.tables WHERE table_schema = \(location.schema) AND table_name LIKE 'ragtune\\_%'
                """, on: connection).rows.first.map { Int(try $0.decode(Int64.self)) } ?? 0
        }
    }
}
