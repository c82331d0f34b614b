import Foundation
import PostgresNIO
import RagTuneStorage
import RagTuneTensor

/// The collections of `ragtune serve --store postgres://…`. Each tenant's collection is a document
/// store in a schema of its own, named `rtc_` and 24 hex digits of the SHA-256 of the server's
/// schema, the tenant and the collection name (those names allow characters and lengths a schema
/// name does not, and the hash keeps two servers' schemas apart). The table `ragtune_collection` in
/// the server's schema maps (tenant, name) to it: a tenant lists and opens only its own. Opened
/// stores (and their connections) are kept for the next request; every search still reads the
/// latest committed documents, so a document another process adds is found at once.
public final class PostgresCollectionRegistry: @unchecked Sendable {
    /// The server's URL (its schema holds the registry).
    public let location: PostgresLocation
    /// Connections each opened collection may hold.
    public let connectionsPerCollection: Int
    let pool: PostgresConnectionPool
    private let lock = NSLock()
    private var opened: [String: PostgresStore] = [:]

    /// Connects and creates the registry's tables when missing.
    /// - Throws: `StorageError.cannotOpen` naming the URL (never its password).
    public init(location: PostgresLocation, connectionsPerCollection: Int = 2) throws {
        self.location = location
        self.connectionsPerCollection = connectionsPerCollection
        pool = try PostgresConnectionPool(location: location, maximumConnections: 2)
        try PostgresServerCatalog.prepare(pool)
    }

    /// Deletes a server's data at `location`: every registered collection's schema, then the keys
    /// and the registry (the schema itself unless it is `public`). Nothing happens where there is no
    /// registry.
    public static func destroy(at location: PostgresLocation) throws {
        let pool = try PostgresConnectionPool(location: location, maximumConnections: 1)
        defer { pool.close() }
        guard try PostgresServerCatalog.exists(pool) else { return }
        let schemas = try pool.withConnection { connection in
            try pool.query("SELECT schema_name FROM ragtune_collection", on: connection).rows.map { try $0.decode(String.self) }
        }
        for schema in schemas { try PostgresStore.destroy(at: location.inSchema(schema)) }
        try pool.withConnection { connection in
            if location.schema == "public" {
                try pool.run("DROP TABLE IF EXISTS \(PostgresServerCatalog.tables.joined(separator: ", "))", on: connection)
            } else {
                try pool.run("DROP SCHEMA IF EXISTS \"\(location.schema)\" CASCADE", on: connection)
            }
        }
    }

    /// The schema of `tenant`'s collection `name` on the server whose schema is `serverSchema`.
    public static func schema(server serverSchema: String, tenant: String, collection name: String) -> String {
        var sha = SHA256()
        sha.update(Data("\(serverSchema)\u{0}\(tenant)\u{0}\(name)".utf8))
        return "rtc_" + sha.hexDigest().prefix(24)
    }

    /// `tenant`'s collection names, sorted.
    public func names(tenant: String) throws -> [String] {
        try pool.withConnection { connection in
            try pool.query("SELECT name FROM ragtune_collection WHERE tenant = \(tenant) ORDER BY name COLLATE \"C\"",
                           on: connection).rows.map { try $0.decode(String.self) }
        }
    }

    /// The store of `tenant`'s collection `name`, or nil when the tenant has no such collection.
    public func existingStore(tenant: String, collection name: String) throws -> PostgresStore? {
        let schema = Self.schema(server: location.schema, tenant: tenant, collection: name)
        if let store = cached(schema) { return store }
        guard try isRegistered(tenant: tenant, collection: name) else { return nil }
        return try open(schema, tenant: tenant, collection: name, registered: true)
    }

    /// The store of `tenant`'s collection `name`, made and registered when missing (the store first,
    /// so a registered collection always has one; two processes making it together make one).
    public func store(tenant: String, collection name: String) throws -> PostgresStore {
        let schema = Self.schema(server: location.schema, tenant: tenant, collection: name)
        if let store = cached(schema) { return store }
        return try open(schema, tenant: tenant, collection: name, registered: isRegistered(tenant: tenant, collection: name))
    }

    private func isRegistered(tenant: String, collection name: String) throws -> Bool {
        try pool.withConnection { connection in
            try !pool.query("SELECT 1 FROM ragtune_collection WHERE tenant = \(tenant) AND name = \(name)", on: connection).rows.isEmpty
        }
    }

    private func open(_ schema: String, tenant: String, collection name: String, registered: Bool) throws -> PostgresStore {
        var place = location
        place.schema = schema
        let store = try PostgresStore(location: place, mode: registered ? .readWrite : .create,
                                      maximumConnections: connectionsPerCollection)
        if !registered {
            _ = try pool.withConnection { connection in
                try pool.query("""
                    INSERT INTO ragtune_collection (tenant, name, schema_name) VALUES (\(tenant), \(name), \(schema))
                    ON CONFLICT DO NOTHING
                    """, on: connection)
            }
        }
        lock.lock()
        defer { lock.unlock() }
        if let raced = opened[schema] { return raced }
        opened[schema] = store
        return store
    }

    private func cached(_ schema: String) -> PostgresStore? {
        lock.lock()
        defer { lock.unlock() }
        return opened[schema]
    }
}
