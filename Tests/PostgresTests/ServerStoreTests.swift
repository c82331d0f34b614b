import Foundation
import RagTuneRAG
@testable import RagTunePostgres
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTestSupport
import Testing

/// What a server keeps besides documents, in a data folder and in PostgreSQL: API keys (stored
/// hashed, revocable, shared by every process on the store) and the registry of tenants'
/// collections (one schema each, a tenant seeing only its own).
struct ServerStoreTests {
    /// Everything stored about the keys, as text (where the secret must not appear).
    private func storedText(_ keys: any APIKeyRegistry) throws -> Data {
        if let keys = keys as? PostgresAPIKeyStore {
            return try keys.pool.withConnection { connection in
                Data(try keys.pool.query("SELECT row_to_json(k)::text FROM ragtune_api_key k", on: connection).rows
                    .map { try $0.decode(String.self) }.joined(separator: "\n").utf8)
            }
        }
        return try Data(contentsOf: URL(fileURLWithPath: keys.path))
    }

    @Test(arguments: StoreBackend.tested)
    func aKeyAuthenticatesUntilRevokedAndOnlyItsHashIsStored(_ backend: StoreBackend) throws {
        let server = try backend.makeServerStore()
        defer { server.drop() }
        let keys = try APIKeys.open(server.location, create: true)
        let (key, token) = try keys.create(tenant: "acme", groups: ["research", "board", "research"])
        #expect(token.hasPrefix("rtk-\(key.id)-") && token.count == 4 + 12 + 1 + 48)
        #expect(key.groups == ["board", "research"])
        #expect(try keys.authenticate(token) == key)

        let secret = String(token.split(separator: "-")[2])
        #expect(try storedText(keys).range(of: Data(secret.utf8)) == nil, "the secret itself must not be stored")

        var wrong = Array(token)
        wrong[wrong.count - 1] = wrong.last == "0" ? "1" : "0"
        for bad in [String(wrong), "rtk-\(key.id)", "", "Bearer " + token, token + "0", "rtk-000000000000-" + secret] {
            #expect(try keys.authenticate(bad) == nil, "\(bad)")
        }
        let (other, otherToken) = try keys.create(tenant: "globex", groups: [])
        #expect(Set(try keys.list().map(\.id)) == [key.id, other.id])
        // A second handle (another process) authenticates the same keys and sees a revocation at once.
        let elsewhere = try APIKeys.open(server.location, create: false)
        #expect(try elsewhere.authenticate(token) == key)
        #expect(try keys.revoke(id: key.id))
        #expect(try keys.authenticate(token) == nil)
        #expect(try elsewhere.authenticate(token) == nil)
        #expect(try keys.authenticate(otherToken)?.tenant == "globex")
        #expect(try keys.list().first { $0.id == key.id }?.revokedAt != nil)
        #expect(try !keys.revoke(id: "ffffffffffff"))
    }

    @Test(arguments: StoreBackend.tested)
    func badNamesAndMissingKeysAreErrors(_ backend: StoreBackend) throws {
        let server = try backend.makeServerStore()
        defer { server.drop() }
        #expect(throws: StorageError.self) { try APIKeys.open(server.location, create: false) }
        do {
            _ = try APIKeys.open(server.location, create: false)
        } catch {
            #expect("\(error)".contains("ragtune keys create --store \(server.location)"), "\(error)")
        }
        let keys = try APIKeys.open(server.location, create: true)
        for (tenant, groups) in [("", [String]()), ("a b", []), ("acme", ["ok", "no/slash"]), (String(repeating: "x", count: 65), [])] {
            #expect(throws: StorageError.self, "\(tenant) \(groups)") { try keys.create(tenant: tenant, groups: groups) }
        }
        #expect(try keys.list().isEmpty)
    }

    @Test(.enabled(if: PostgresTestServer.available || PostgresTestServer.required, PostgresTestServer.skipReason))
    func collectionsAreRegisteredPerTenantAndSharedByProcesses() throws {
        let server = try StoreBackend.postgres.makeServerStore()
        defer { server.drop() }
        let location = try PostgresLocation(url: server.location)
        // Two registries on one database, as two server processes have.
        let first = try PostgresCollectionRegistry(location: location), second = try PostgresCollectionRegistry(location: location)
        #expect(try second.names(tenant: "acme").isEmpty)
        #expect(try second.existingStore(tenant: "acme", collection: "Hand.book-1") == nil)

        let store = try first.store(tenant: "acme", collection: "Hand.book-1")
        #expect(store.location.schema == PostgresCollectionRegistry.schema(server: location.schema, tenant: "acme", collection: "Hand.book-1"))
        #expect(store.location.schema.count == 28 && store.location.schema.hasPrefix("rtc_"))
        // Names differing only in case, another tenant's same name and another server's schema get other schemas.
        let schemas = Set([("acme", "Hand.book-1"), ("acme", "hand.book-1"), ("globex", "Hand.book-1")]
            .map { PostgresCollectionRegistry.schema(server: location.schema, tenant: $0.0, collection: $0.1) }
            + [PostgresCollectionRegistry.schema(server: "other", tenant: "acme", collection: "Hand.book-1")])
        #expect(schemas.count == 4)

        let seen = try #require(try second.existingStore(tenant: "acme", collection: "Hand.book-1"), "the other process finds it")
        #expect(try second.names(tenant: "acme") == ["Hand.book-1"])
        #expect(try second.names(tenant: "globex").isEmpty)
        #expect(try second.existingStore(tenant: "globex", collection: "Hand.book-1") == nil)

        // A document written through one is read through the other, opened before it was written.
        let document = SourceDocument(id: "a", sourcePath: "a.md", title: "A", text: "Alpha.")
        let chunk = Chunk(documentID: "a", ordinal: 0, text: "Alpha.", heading: nil, startOffset: 0, endOffset: 6, tokenCount: 2,
                          prefixLength: 0)
        try store.replace(document, chunks: [chunk], embeddings: [[1, 0, 0]])
        #expect(try seen.counts() == (1, 1))
        #expect(try second.store(tenant: "acme", collection: "Hand.book-1").location == store.location, "opening again makes nothing new")
        _ = try second.store(tenant: "acme", collection: "another")
        #expect(try first.names(tenant: "acme") == ["Hand.book-1", "another"])
    }
}
