import Foundation
import RagTunePostgres
import RagTuneRAG
import RagTuneStorage

/// Where a server's tenants keep their collections (`--store`): a data folder with one SQLite store
/// per collection (`CollectionFolders`), or a PostgreSQL database with one schema per collection
/// (`PostgresCollections`). Every method acts for one tenant: a tenant can never name another's
/// collection.
protocol CollectionCatalog: Sendable {
    /// `tenant`'s collection names, sorted.
    func names(tenant: String) throws -> [String]
    /// The store of an existing collection (`mode` says how a file is opened; a database's store
    /// is opened once per process for reading and writing).
    /// - Throws: `APIError.notFound` when the tenant has no such collection, `APIError.invalid` for a bad name.
    func existing(tenant: String, collection name: String, mode: StoreOpenMode) throws -> AnyDocumentStore
    /// The store of a collection to upload to, made when missing (a collection is made by its
    /// first document), with the embedding model recorded.
    func forUpload(tenant: String, collection name: String) throws -> AnyDocumentStore
    /// Checks the name without opening anything (before a request's body is read).
    /// - Throws: `APIError.invalid` for a name outside `[A-Za-z0-9._-]`.
    func validate(collection name: String) throws
}

extension CollectionCatalog {
    func validate(collection name: String) throws {
        guard APIKeyStore.isValidName(name), name != ".", name != ".." else {
            throw APIError.invalid("collection name '\(name)' may hold only 1-64 of A-Z a-z 0-9 . _ -", param: "collection")
        }
    }

    static var missing: String { "(it is made by the first document uploaded to it)" }
}

/// The catalog `--store` names: a `postgres://` URL, or else a data folder.
func collectionCatalog(store: String) throws -> any CollectionCatalog {
    PostgresLocation.isPostgresURL(store) ? try PostgresCollections(url: store) : CollectionFolders(root: store)
}

/// Collections in a data folder: `DATA/tenants/<tenant>/collections/<name>.sqlite` (its saved
/// indexes beside it). A tenant's requests only ever build paths under its own folder.
struct CollectionFolders: CollectionCatalog {
    /// The data folder (`--store`).
    let root: String

    /// The folder of `tenant`'s collections.
    func folder(tenant: String) -> URL {
        URL(fileURLWithPath: root).appendingPathComponent("tenants").appendingPathComponent(tenant)
            .appendingPathComponent("collections")
    }

    /// The store file of collection `name`.
    func path(tenant: String, collection name: String) throws -> String {
        try validate(collection: name)
        return folder(tenant: tenant).appendingPathComponent(name + ".sqlite").path
    }

    func existing(tenant: String, collection name: String, mode: StoreOpenMode) throws -> AnyDocumentStore {
        let path = try path(tenant: tenant, collection: name)
        guard FileManager.default.fileExists(atPath: path) else {
            throw APIError.notFound("No collection '\(name)' \(Self.missing)")
        }
        return AnyDocumentStore(try SQLiteStore(path: path, mode: mode))
    }

    func forUpload(tenant: String, collection name: String) throws -> AnyDocumentStore {
        let path = try path(tenant: tenant, collection: name)
        if !FileManager.default.fileExists(atPath: path) { try Self.makeStore(at: path) }
        return try AnyDocumentStore.openForEmbedding(path)
    }

    /// Makes a new collection's store under a temporary name beside `path` and links it into place
    /// complete (schema and embedding model), so a request that opens the collection meanwhile finds
    /// either no file (404) or a whole store, never a file whose tables are still being made. When
    /// another upload made it first, theirs stays.
    /// - Throws: `StorageError.cannotOpen` naming `path` when the store cannot be made or linked.
    static func makeStore(at path: String) throws {
        let temporary = path + ".new-" + UUID().uuidString   // no `.sqlite` suffix: never listed
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temporary + suffix) } }
        do { _ = try AnyDocumentStore.openForEmbedding(temporary) }   // closed (and checkpointed) when released
        // The last connection's close moves the write-ahead log into the file; one left behind
        // would hold the tables, so the file alone would not be a store.
        let log = (try? FileManager.default.attributesOfItem(atPath: temporary + "-wal")[.size] as? Int) ?? 0
        guard log == 0 else { throw StorageError.cannotOpen(path: path, reason: "the new store's write-ahead log was not checkpointed") }
        guard link(temporary, path) == 0 || errno == EEXIST else {
            throw StorageError.cannotOpen(path: path, reason: "cannot create it: \(String(cString: strerror(errno)))")
        }
    }

    func names(tenant: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder(tenant: tenant).path)) ?? []
        return files.filter { $0.hasSuffix(".sqlite") }.map { String($0.dropLast(".sqlite".count)) }.sorted()
    }
}

/// Collections in a PostgreSQL database, one schema each (`PostgresCollectionRegistry`), shared by
/// every server process on it: a document one process stores is searched by all from the next request.
struct PostgresCollections: CollectionCatalog {
    let registry: PostgresCollectionRegistry

    init(url: String) throws {
        registry = try PostgresCollectionRegistry(location: PostgresLocation(url: url))
    }

    func names(tenant: String) throws -> [String] { try registry.names(tenant: tenant) }

    func existing(tenant: String, collection name: String, mode: StoreOpenMode) throws -> AnyDocumentStore {
        try validate(collection: name)
        guard let store = try registry.existingStore(tenant: tenant, collection: name) else {
            throw APIError.notFound("No collection '\(name)' \(Self.missing)")
        }
        return AnyDocumentStore(store)
    }

    func forUpload(tenant: String, collection name: String) throws -> AnyDocumentStore {
        try validate(collection: name)
        let store = AnyDocumentStore(try registry.store(tenant: tenant, collection: name))
        try store.recordEmbeddingModel()
        return store
    }
}
