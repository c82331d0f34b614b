import PostgresNIO
import RagTuneStorage

/// The tables of `ragtune serve --store postgres://…` in the URL's schema: the API keys, the
/// registry of tenants' collections (each collection is a document store in a schema of its own)
/// and the background upload jobs.
/// Created when missing, under the migrations' advisory lock, so servers starting together on one
/// database create them once. Add columns with `ADD COLUMN IF NOT EXISTS` statements after these;
/// never change a statement that has shipped.
enum PostgresServerCatalog {
    static let statements = [
        """
        CREATE TABLE IF NOT EXISTS ragtune_api_key (
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, groups TEXT[] NOT NULL, secret_hash TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL, revoked_at DOUBLE PRECISION)
        """,
        """
        CREATE TABLE IF NOT EXISTS ragtune_collection (
            tenant TEXT NOT NULL, name TEXT NOT NULL, schema_name TEXT NOT NULL UNIQUE,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (tenant, name))
        """,
        """
        CREATE TABLE IF NOT EXISTS ragtune_job (
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, body JSONB NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())
        """,
    ]

    /// Every table `statements` creates (what deleting a server's data in `public` drops).
    static let tables = ["ragtune_api_key", "ragtune_collection", "ragtune_job"]

    /// Creates the schema and the tables that are missing.
    static func prepare(_ pool: PostgresConnectionPool) throws {
        try pool.inTransaction { connection in
            try pool.query("SELECT pg_advisory_xact_lock(hashtext('ragtune-migrate'))", on: connection)
            try pool.run("CREATE SCHEMA IF NOT EXISTS \"\(pool.location.schema)\"", on: connection)
            for statement in statements { try pool.run(statement, on: connection) }
        }
    }

    /// Whether the schema holds a server's tables, without changing anything.
    static func exists(_ pool: PostgresConnectionPool) throws -> Bool {
        try pool.withConnection { connection in
            try pool.query("""
                SELECT count(*) FROM information_schema.tables
                WHERE table_schema = \(pool.location.schema) AND table_name = ANY(\(["ragtune_api_key", "ragtune_collection"]))
                """, on: connection).rows.first?.decode(Int.self) == 2
        }
    }
}
