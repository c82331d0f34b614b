import Foundation
import PostgresNIO
import RagTuneStorage

/// The API keys of `ragtune serve --store postgres://…`, in the table `ragtune_api_key` of the URL's
/// schema, so every server process on the database accepts the same keys and a revocation holds
/// for all of them from their next request. Keys are made, hashed and checked as `APIKeyStore` does.
public struct PostgresAPIKeyStore: APIKeyRegistry {
    /// The URL without its password.
    public let path: String
    let pool: PostgresConnectionPool

    /// Connects, creating the tables when `create`.
    /// - Throws: `StorageError.noKeys` when `create` is false and the schema has no key table;
    ///   `cannotOpen` naming the URL (never its password) when the server cannot be reached.
    public init(location: PostgresLocation, create: Bool) throws {
        path = location.description
        pool = try PostgresConnectionPool(location: location, maximumConnections: 2)
        if create {
            try PostgresServerCatalog.prepare(pool)
        } else if try !PostgresServerCatalog.exists(pool) {
            throw StorageError.noKeys(path: path)
        }
    }

    public func create(tenant: String, groups: [String]) throws -> (key: APIKeyStore.Key, token: String) {
        let made = try APIKeyStore.make(tenant: tenant, groups: groups)
        _ = try pool.withConnection { connection in
            try pool.query("""
                INSERT INTO ragtune_api_key (id, tenant, groups, secret_hash, created_at)
                VALUES (\(made.key.id), \(tenant), \(made.key.groups), \(made.secretHash), \(made.key.createdAt.timeIntervalSince1970))
                """, on: connection)
        }
        return (made.key, made.token)
    }

    public func list() throws -> [APIKeyStore.Key] {
        try pool.withConnection { connection in
            try pool.query("SELECT id, tenant, groups, created_at, revoked_at FROM ragtune_api_key ORDER BY created_at, id",
                           on: connection).rows.map { row in
                let (id, tenant, groups, created, revoked) = try row.decode((String, String, [String], Double, Double?).self)
                return APIKeyStore.Key(id: id, tenant: tenant, groups: groups, createdAt: Date(timeIntervalSince1970: created),
                                       revokedAt: revoked.map(Date.init(timeIntervalSince1970:)))
            }
        }
    }

    @discardableResult
    public func revoke(id: String) throws -> Bool {
        try pool.withConnection { connection in
            let now = Date().timeIntervalSince1970
            try pool.query("UPDATE ragtune_api_key SET revoked_at = \(now) WHERE id = \(id) AND revoked_at IS NULL", on: connection)
            return try !pool.query("SELECT 1 FROM ragtune_api_key WHERE id = \(id)", on: connection).rows.isEmpty
        }
    }

    /// One indexed lookup per request; the secret's hash is compared in constant time.
    public func authenticate(_ token: String) throws -> APIKeyStore.Key? {
        guard let (id, presented) = APIKeyStore.parse(token) else { return nil }
        return try pool.withConnection { connection in
            guard let row = try pool.query("""
                SELECT tenant, groups, created_at, secret_hash FROM ragtune_api_key WHERE id = \(id) AND revoked_at IS NULL
                """, on: connection).rows.first else { return nil }
            let (tenant, groups, created, stored) = try row.decode((String, [String], Double, String).self)
            guard APIKeyStore.constantTimeEqual(stored, presented) else { return nil }
            return APIKeyStore.Key(id: id, tenant: tenant, groups: groups, createdAt: Date(timeIntervalSince1970: created), revokedAt: nil)
        }
    }
}
