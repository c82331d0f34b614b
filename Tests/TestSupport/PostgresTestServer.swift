import Foundation
import Testing
import RagTunePostgres
import RagTuneRAG
import RagTuneRetrieval
import RagTuneStorage

/// The real PostgreSQL the tests use: `RAGTUNE_POSTGRES_URL` when set (CI starts one with
/// scripts/postgres.sh), otherwise one this process starts with that script. Where none can start
/// the PostgreSQL tests are skipped with the reason, unless `RAGTUNE_REQUIRE_POSTGRES=1` (CI), which
/// makes them fail instead.
public enum PostgresTestServer {
    public static let required = ProcessInfo.processInfo.environment["RAGTUNE_REQUIRE_POSTGRES"] == "1"

    /// The server's URL, or why there is none.
    /// A server this process started is stopped when the process exits; one that was running
    /// before (a user's, or CI's) is left alone.
    public static let started: Result<String, Error> = {
        if let url = ProcessInfo.processInfo.environment["RAGTUNE_POSTGRES_URL"], !url.isEmpty { return .success(url) }
        if let running = try? script("url") { return .success(running) }
        return Result {
            let url = try script("start")
            atexit { _ = try? PostgresTestServer.script("stop") }
            return url
        }
    }()

    public static var url: String? { try? started.get() }
    public static var available: Bool { url != nil }
    public static var skipReason: Comment {
        let reason = started.failure.map { "\($0)" } ?? ""
        return Comment(rawValue: "skipped: no PostgreSQL (\(reason)); run `bash scripts/postgres.sh start` or set RAGTUNE_POSTGRES_URL")
    }

    /// The repository's scripts/postgres.sh.
    public static let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/postgres.sh").path

    /// Runs scripts/postgres.sh with `arguments` (plain words: commands and port numbers).
    /// - Returns: its last line of output (the URL for `start`; empty for `stop`).
    /// (`popen` and `pclose` rather than `Process`, whose `waitUntilExit` was seen to miss the exit of
    /// a script that had started a daemon.)
    @discardableResult
    public static func script(_ arguments: String...) throws -> String {
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-pgscript-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: errorFile) }
        let command = (["/bin/bash", scriptPath] + arguments).map { "'\($0)'" }.joined(separator: " ") + " 2>'\(errorFile)' </dev/null"
        guard let pipe = popen(command, "r") else { throw ScriptFailure(description: "cannot run \(scriptPath)") }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count <= 0 { break }
            output.append(contentsOf: buffer[0..<count])
        }
        let status = pclose(pipe)
        let text = String(decoding: output, as: UTF8.self)
        guard status == 0 else {
            let errors = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
            throw ScriptFailure(description: "postgres.sh \(arguments.joined(separator: " ")) exited with status \((status >> 8) & 0xff): "
                                + errors.suffix(600))
        }
        return text.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// A location in a new schema of the shared test server (each test store gets its own).
    public static func freshLocation() throws -> PostgresLocation {
        let base = try PostgresLocation(url: try started.get())
        return base.inSchema("rt_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))
    }

    public struct ScriptFailure: Error, CustomStringConvertible { public var description: String }
}

extension Result {
    public var failure: Failure? { if case .failure(let error) = self { return error } else { return nil } }
}

/// A store backend of the shared suite.
public enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    public var testDescription: String { rawValue }

    /// What the suite runs on: SQLite always; PostgreSQL when a server is up or CI requires one (then
    /// a missing server fails every PostgreSQL case).
    public static let tested: [StoreBackend] = PostgresTestServer.available || PostgresTestServer.required ? [.sqlite, .postgres] : [.sqlite]

    /// A new, empty store.
    public func makeStore() throws -> TestStore {
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-suite-\(UUID().uuidString)/store.sqlite").path
            return TestStore(backend: self, location: path)
        case .postgres:
            return TestStore(backend: self, location: try PostgresTestServer.freshLocation().description)
        }
    }
}

/// A store of the suite: where it lives and how to open it again (as another process would).
public struct TestStore: Sendable {
    public let backend: StoreBackend
    /// The SQLite file or the postgres:// URL.
    public let location: String

    public func open(_ mode: StoreOpenMode = .create) throws -> AnyDocumentStore {
        try AnyDocumentStore.open(location, mode: mode)
    }

    /// Removes the store (its folder, or its schema).
    public func drop() {
        switch backend {
        case .sqlite: try? FileManager.default.removeItem(at: URL(fileURLWithPath: location).deletingLastPathComponent())
        case .postgres:
            guard let location = try? PostgresLocation(url: location) else { return }
            try? PostgresStore.destroy(at: location)
        }
    }
}

extension StoreBackend {
    /// A new, empty `--store` for a server (`ragtune serve`, `ragtune keys`): a data folder, or a
    /// fresh schema of the test PostgreSQL.
    public func makeServerStore() throws -> TestServerStore {
        switch self {
        case .sqlite:
            return TestServerStore(backend: self, location: FileManager.default.temporaryDirectory
                .appendingPathComponent("ragtune-server-data-\(UUID().uuidString)").path)
        case .postgres:
            return TestServerStore(backend: self, location: try PostgresTestServer.freshLocation().description)
        }
    }
}

/// A server's `--store` in a test: where it is, and how to remove it with every collection in it.
public struct TestServerStore: Sendable {
    public let backend: StoreBackend
    /// The data folder or the postgres:// URL.
    public let location: String

    /// Removes the data folder, or the server's schema and its collections' schemas.
    public func drop() {
        switch backend {
        case .sqlite: try? FileManager.default.removeItem(atPath: location)
        case .postgres:
            guard let location = try? PostgresLocation(url: location) else { return }
            try? PostgresCollectionRegistry.destroy(at: location)
        }
    }
}
