import PostgresNIO
import RagTuneStorage

/// The PostgreSQL store's schema, as numbered migrations. Each runs once per schema, in order, in
/// one transaction that holds an advisory lock of the database, so processes starting together on one database
/// neither run a migration twice nor see half of one. Never edit a migration that has shipped:
/// add the next one.
enum PostgresMigrations {
    /// (version, statements). Table names are unqualified: the connection's `search_path` starts
    /// with the store's schema.
    static let all: [(version: Int, statements: [String])] = [
        (1, ["""
            CREATE TABLE ragtune_document (
                id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, format TEXT NOT NULL,
                metadata JSONB NOT NULL, acl TEXT[] NOT NULL, content_hash BIGINT NOT NULL, fields_hash BIGINT,
                version INTEGER NOT NULL, indexed_at TIMESTAMPTZ NOT NULL)
            """, """
            CREATE TABLE ragtune_chunk (
                id BIGSERIAL PRIMARY KEY,
                document_id TEXT NOT NULL REFERENCES ragtune_document(id) ON DELETE CASCADE,
                ordinal INTEGER NOT NULL, text TEXT NOT NULL, heading TEXT,
                start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL,
                token_count INTEGER NOT NULL, prefix_length INTEGER NOT NULL, embedding vector NOT NULL,
                UNIQUE (document_id, ordinal))
            """,
            "CREATE TABLE ragtune_setting (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "INSERT INTO ragtune_setting (key, value) VALUES ('generation', '0'), ('store_id', gen_random_uuid()::text)",
        ]),
        // BM25 inside the database: each chunk's analysed length (NULL until its postings are
        // written, for chunks stored before this migration: `PostgresPostings.backfill`), its
        // postings, and the collection's chunk and token counts, kept with every write.
        (2, [
            "ALTER TABLE ragtune_chunk ADD COLUMN bm25_length INTEGER",
            "CREATE INDEX ragtune_chunk_without_postings ON ragtune_chunk (id) WHERE bm25_length IS NULL",
            """
            CREATE TABLE ragtune_posting (
                chunk_id BIGINT NOT NULL REFERENCES ragtune_chunk(id) ON DELETE CASCADE,
                term TEXT COLLATE "C" NOT NULL, tf INTEGER NOT NULL, length INTEGER NOT NULL,
                PRIMARY KEY (chunk_id, term))
            """,
            // A query's scores come from this index alone (the chunk's length is copied into its postings).
            "CREATE INDEX ragtune_posting_term ON ragtune_posting (term, chunk_id) INCLUDE (tf, length)",
            """
            CREATE TABLE ragtune_corpus (
                singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
                chunks BIGINT NOT NULL, tokens BIGINT NOT NULL)
            """,
            "INSERT INTO ragtune_corpus (chunks, tokens) VALUES (0, 0)",
        ]),
    ]

    /// The tables every version of the store has (a schema without them holds no store).
    static let tables = ["ragtune_document", "ragtune_chunk", "ragtune_setting"]
    /// Every table the migrations create (what deleting a store in `public` drops).
    static let allTables = tables + ["ragtune_posting", "ragtune_corpus", "ragtune_migration"]

    /// Brings the schema up to date: creates it and the `vector` extension when missing, then runs
    /// the migrations it has not run.
    static func migrate(_ pool: PostgresConnectionPool) throws {
        let schema = pool.location.schema
        try pool.inTransaction { connection in
            // One lock per database (the extension is database-wide): a second process waits here until
            // the first has committed.
            try pool.query("SELECT pg_advisory_xact_lock(hashtext('ragtune-migrate'))", on: connection)
            if try pool.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'", on: connection).rows.isEmpty {
                do {
                    try pool.run("CREATE EXTENSION IF NOT EXISTS vector", on: connection)
                } catch {
                    throw StorageError.cannotOpen(path: pool.location.description, reason: "the pgvector extension is not "
                        + "installed in database \(pool.location.database) and this user cannot install it "
                        + "(\(PostgresConnectionPool.reason(error))); a superuser can: CREATE EXTENSION vector")
                }
            }
            try pool.run("CREATE SCHEMA IF NOT EXISTS \"\(schema)\"", on: connection)
            try pool.run("""
                CREATE TABLE IF NOT EXISTS ragtune_migration (
                    version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, on: connection)
            let applied = Set(try pool.query("SELECT version FROM ragtune_migration", on: connection).rows
                .map { try $0.decode(Int.self) })
            for migration in all where !applied.contains(migration.version) {
                for statement in migration.statements { try pool.run(statement, on: connection) }
                try pool.query("INSERT INTO ragtune_migration (version) VALUES (\(migration.version))", on: connection)
            }
        }
        try PostgresPostings.backfill(pool)
    }

    /// Whether the schema holds a store (its tables exist), without changing anything.
    static func storeExists(_ pool: PostgresConnectionPool) throws -> Bool {
        try pool.withConnection { connection in
            let rows = try pool.query("""
                SELECT count(*) FROM information_schema.tables
                WHERE table_schema = \(pool.location.schema) AND table_name = ANY(\(tables))
                """, on: connection).rows
            return try rows.first?.decode(Int.self) == tables.count
        }
    }
}
