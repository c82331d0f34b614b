import Foundation
import PostgresNIO
import RagTuneStorage

/// Background upload jobs of `ragtune serve --store postgres://…`, in the table `ragtune_job` of the
/// URL's schema, so a client behind a load balancer can ask any server process about a job another
/// one took. A job is an opaque JSON body kept under its id and tenant; a tenant reads only its own.
public struct PostgresJobTable: Sendable {
    let pool: PostgresConnectionPool

    /// Connects and creates the server's tables when missing.
    /// - Throws: `StorageError.cannotOpen` naming the URL (never its password).
    public init(location: PostgresLocation) throws {
        pool = try PostgresConnectionPool(location: location, maximumConnections: 2)
        try PostgresServerCatalog.prepare(pool)
    }

    /// Writes the job's state (`body`, JSON), replacing the previous one.
    public func save(id: String, tenant: String, body: Data) throws {
        let json = String(decoding: body, as: UTF8.self)
        _ = try pool.withConnection { connection in
            try pool.query("""
                INSERT INTO ragtune_job (id, tenant, body) VALUES (\(id), \(tenant), \(json)::jsonb)
                ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = now() WHERE ragtune_job.tenant = excluded.tenant
                """, on: connection)
        }
    }

    /// The job's last saved state, or nil when `tenant` has no job `id`.
    public func body(id: String, tenant: String) throws -> Data? {
        try pool.withConnection { connection in
            try pool.query("SELECT body::text FROM ragtune_job WHERE id = \(id) AND tenant = \(tenant)", on: connection)
                .rows.first.map { Data(try $0.decode(String.self).utf8) }
        }
    }
}
