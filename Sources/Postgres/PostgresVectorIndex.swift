import Foundation
import PostgresNIO
import RagTuneStorage

/// The pgvector HNSW index of a PostgreSQL store's chunk embeddings. It is built after a load
/// (`PostgresStore.refreshSearchIndexes`, which `ragtune index` calls once its documents are in), so
/// a large first load inserts rows without maintaining a graph; from then on PostgreSQL keeps it up
/// to date with every write. pgvector indexes only columns of a fixed dimension, so the index is on
/// `embedding::vector(D)` and queries that want it order by the same expression.
struct PostgresVectorIndex: Equatable {
    static let name = "ragtune_chunk_embedding_hnsw"
    /// The setting recording how the index was built.
    static let settingKey = "hnsw_index"

    var dimension: Int
    var m: Int
    var efConstruction: Int

    /// The embedding expression the index covers and HNSW queries order by.
    var expression: String { "c.embedding::vector(\(dimension))" }

    /// How the setting records it, e.g. `dimension=384 m=16 ef_construction=200`.
    var recorded: String { "dimension=\(dimension) m=\(m) ef_construction=\(efConstruction)" }

    init(dimension: Int, m: Int, efConstruction: Int) {
        (self.dimension, self.m, self.efConstruction) = (dimension, m, efConstruction)
    }

    /// Parses `recorded`; nil for anything else.
    init?(recorded text: String) {
        var fields: [String: Int] = [:]
        for pair in text.split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Int(parts[1]) else { return nil }
            fields[String(parts[0])] = value
        }
        guard let dimension = fields["dimension"], let m = fields["m"], let ef = fields["ef_construction"] else { return nil }
        self.init(dimension: dimension, m: m, efConstruction: ef)
    }

    /// The index the store has, when it has one and recorded how it was built.
    static func current(_ pool: PostgresConnectionPool, _ connection: PostgresConnection) throws -> PostgresVectorIndex? {
        let exists = try pool.query("""
            SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = \(pool.location.schema) AND indexname = \(name))
            """, on: connection).rows.first?.decode(Bool.self) ?? false
        guard exists, let recorded = try PostgresStore.readSetting(settingKey, pool, connection) else { return nil }
        return PostgresVectorIndex(recorded: recorded)
    }

    /// The build's `maintenance_work_mem` in MB for `rows` vectors: each graph element takes its
    /// vector and up to 2m neighbours on layer 0 (plus a small share on the layers above), taken
    /// with headroom; at least 1 GB, at most a quarter of this machine's memory.
    func buildMemoryMB(rows: Int) -> Int {
        let perElement = 4 * dimension + 2 * m * 8 + 256
        let wanted = rows * perElement * 3 / 2 / (1 << 20)
        let ceiling = Int(ProcessInfo.processInfo.physicalMemory / 4 / (1 << 20))
        return max(1024, min(wanted, ceiling))
    }

    /// Builds this index (dropping one built with other settings), under a lock so two processes
    /// never build it at once. - Returns: false when it was already there.
    @discardableResult
    func build(_ pool: PostgresConnectionPool) throws -> Bool {
        try pool.inTransaction { connection in
            try pool.query("SELECT pg_advisory_xact_lock(hashtext(\(pool.location.schema + ".ragtune-hnsw")))", on: connection)
            let existing = try Self.current(pool, connection)
            if existing == self { return false }
            try pool.run("DROP INDEX IF EXISTS \"\(pool.location.schema)\".\(Self.name)", on: connection)
            // Enough memory to keep the graph in memory while it is built (pgvector warns, and the
            // build slows down many times, when it does not fit).
            let rows = try pool.query("SELECT count(*) FROM ragtune_chunk", on: connection).rows.first?.decode(Int.self) ?? 0
            try pool.run("SET LOCAL maintenance_work_mem = '\(buildMemoryMB(rows: rows))MB'", on: connection)
            try pool.run("""
                CREATE INDEX \(Self.name) ON ragtune_chunk USING hnsw ((embedding::vector(\(dimension))) vector_ip_ops)
                WITH (m = \(m), ef_construction = \(efConstruction))
                """, on: connection)
            try pool.query("""
                INSERT INTO ragtune_setting (key, value) VALUES (\(Self.settingKey), \(recorded))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, on: connection)
            return true
        }
    }
}
