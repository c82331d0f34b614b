import Foundation
import Testing
import RagTuneTestSupport
@testable import RagTunePostgres
import RagTuneStorage

/// Store URLs: what they name, where the password comes from, and that it is never shown.
@Suite struct PostgresLocationTests {
    private let noEnvironment: [String: String] = [:]
    private let noHome = "/nonexistent-ragtune-home"

    @Test func parsesEveryPartAndFillsLibpqDefaults() throws {
        let full = try PostgresLocation(url: "postgres://ann:s3cr%40t@db.example:6543/kb?schema=team_a&sslmode=require",
                                        environment: noEnvironment, home: noHome)
        #expect(full.user == "ann" && full.password == "s3cr@t" && full.host == "db.example" && full.port == 6543)
        #expect(full.database == "kb" && full.schema == "team_a" && full.tls == .require)
        #expect(full.description == "postgres://ann@db.example:6543/kb?schema=team_a&sslmode=require")
        let short = try PostgresLocation(url: "postgresql://bob@/", environment: noEnvironment, home: noHome)
        #expect(short.host == "localhost" && short.port == 5432 && short.database == "bob" && short.schema == "public")
        #expect(short.password == nil && short.tls == .disable)
        #expect(PostgresLocation.isPostgresURL("postgres://x@h/d") && !PostgresLocation.isPostgresURL("/tmp/postgres.sqlite"))
    }

    @Test func passwordComesFromTheURLThenPGPASSWORDThenPgpass() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-pgpass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pgpass = folder.appendingPathComponent(".pgpass").path
        try "# comment\nother:5432:*:ann:wrong\ndb:*:kb:ann:from\\:file\n*:*:*:*:fallback\n".write(toFile: pgpass, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: pgpass)
        let url = "postgres://ann@db:5432/kb"
        #expect(try PostgresLocation(url: url, environment: noEnvironment, home: folder.path).password == "from:file")
        #expect(try PostgresLocation(url: "postgres://zed@elsewhere/x", environment: noEnvironment, home: folder.path).password == "fallback")
        #expect(try PostgresLocation(url: url, environment: ["PGPASSWORD": "env"], home: folder.path).password == "env")
        #expect(try PostgresLocation(url: "postgres://ann:inline@db:5432/kb", environment: ["PGPASSWORD": "env"],
                                     home: folder.path).password == "inline")
        // Like libpq, a password file others can read is ignored.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: pgpass)
        #expect(try PostgresLocation(url: url, environment: noEnvironment, home: folder.path).password == nil)
    }

    @Test func badURLsAreErrorsThatNeverShowThePassword() {
        for (url, reason) in [("postgres://db.example/kb", "no user"),
                              ("postgres://ann:hunter2@db/kb?schema=Bad-Name", "schema must be"),
                              ("postgres://ann:hunter2@db/kb?sslmode=sometimes", "sslmode must be"),
                              ("postgres://ann:hunter2@db/kb?pool=9", "unknown parameter 'pool'"),
                              ("mysql://ann:hunter2@db/kb", "not a postgres:// URL")] {
            #expect {
                try PostgresLocation(url: url, environment: noEnvironment, home: noHome)
            } throws: { error in
                let text = "\(error)"
                return text.contains(reason) && !text.contains("hunter2")
            }
        }
    }

    @Test func schemaNamesAreASafeAlphabet() {
        #expect(PostgresLocation.isValidSchema("team_a1") && PostgresLocation.isValidSchema("_x"))
        for name in ["", "1abc", "a-b", "A", "a\"; DROP", String(repeating: "a", count: 64)] {
            #expect(!PostgresLocation.isValidSchema(name), "\(name)")
        }
    }

    @Test func anotherSchemaKeepsEverythingElseOfTheURL() throws {
        let url = "postgres://ann:s%40cret@db.example:6543/rag?sslmode=require&schema=kb"
        let moved = try PostgresLocation.url(url, inSchema: "kb_updated")
        let location = try PostgresLocation(url: moved, environment: noEnvironment, home: noHome)
        #expect(location.schema == "kb_updated" && location.password == "s@cret" && location.tls == .require)
        #expect(location.host == "db.example" && location.port == 6543 && location.database == "rag" && location.user == "ann")
        #expect(try PostgresLocation(url: PostgresLocation.url("postgres://ann@h/d", inSchema: "x"), environment: noEnvironment,
                                     home: noHome).schema == "x")
        #expect(throws: StorageError.self) { try PostgresLocation.url(url, inSchema: "Not-A-Schema") }
        #expect(throws: StorageError.self) { try PostgresLocation.url("mysql://h/d", inSchema: "x") }
    }

    /// The HNSW build's memory: 1 GB at least, enough for the graph of a million 384-d vectors.
    @Test func theIndexBuildGetsMemoryForItsGraph() {
        let index = PostgresVectorIndex(dimension: 384, m: 16, efConstruction: 200)
        #expect(index.buildMemoryMB(rows: 0) == 1024)
        let million = index.buildMemoryMB(rows: 1_000_000)
        #expect(million >= min(2048, Int(ProcessInfo.processInfo.physicalMemory / 4 / (1 << 20))))
        #expect(million <= Int(ProcessInfo.processInfo.physicalMemory / 4 / (1 << 20)) || million == 1024)
    }
}
