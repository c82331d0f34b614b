import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import RagTuneStorage

/// Blocking access to one PostgreSQL database for the synchronous `DocumentStore` API: connections
/// run on NIO's shared event loops, at most `maximumConnections` are open, and idle ones are reused.
/// A connection that failed (the server restarted, the network dropped) is closed rather than
/// returned, so the next call connects afresh. Every connection has the store's schema first on its
/// `search_path`, then `public` (where pgvector's type usually lives); a read-only pool's connections
/// refuse writes.
final class PostgresConnectionPool: @unchecked Sendable {
    let location: PostgresLocation
    let maximumConnections: Int
    /// Every transaction of the pool's connections is read-only (`StoreOpenMode.readOnly`).
    let readOnly: Bool
    private let configuration: PostgresConnection.Configuration
    private let logger = Logger(label: "ragtune.postgres")
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var openCount = 0
    private var nextID = 0

    init(location: PostgresLocation, maximumConnections: Int = 4, readOnly: Bool = false) throws {
        self.location = location
        self.readOnly = readOnly
        self.maximumConnections = max(1, maximumConnections)
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch location.tls {
            case .disable: tls = .disable
            case .prefer, .require:
                var settings = TLSConfiguration.makeClientConfiguration()
                settings.certificateVerification = .none
                let context = try NIOSSLContext(configuration: settings)
                tls = location.tls == .prefer ? .prefer(context) : .require(context)
            case .verifyFull:
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw StorageError.cannotOpen(path: location.description, reason: "TLS: \(error)")
        }
        configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                         password: location.password, database: location.database, tls: tls)
    }

    deinit {
        for connection in idle { Self.closeAndWait(connection) }
    }

    /// Runs `body` on a connection of the pool (waiting for one when all are busy).
    /// - Throws: `StorageError.database` naming the store for any PostgreSQL or connection error.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try checkOut()
        do {
            let result = try body(connection)
            checkIn(connection, healthy: true)
            return result
        } catch {
            checkIn(connection, healthy: !Self.isConnectionFailure(error) && !connection.isClosed)
            throw describe(error)
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func inTransaction<T>(_ begin: String = "BEGIN", _ body: (PostgresConnection) throws -> T) throws -> T {
        try withConnection { connection in
            try run(begin, on: connection)
            do {
                let result = try body(connection)
                try run("COMMIT", on: connection)
                return result
            } catch {
                // A connection whose transaction cannot be rolled back is closed, so it never returns
                // to the pool in the middle of a failed transaction.
                if !connection.isClosed, (try? run("ROLLBACK", on: connection)) == nil { Self.closeAndWait(connection) }
                throw error
            }
        }
    }

    /// Runs one statement and collects its rows.
    @discardableResult
    func query(_ query: PostgresQuery, on connection: PostgresConnection) throws -> PostgresQueryResult {
        try connection.query(query, logger: logger).wait()
    }

    /// Runs one SQL statement without parameters.
    func run(_ sql: String, on connection: PostgresConnection) throws {
        try connection.simpleQuery(sql).wait()
    }

    /// Closes every idle connection (busy ones close when they come back).
    func close() {
        condition.lock()
        let closing = idle
        idle = []
        openCount -= closing.count
        condition.unlock()
        for connection in closing { Self.closeAndWait(connection) }
    }

    private func checkOut() throws -> PostgresConnection {
        condition.lock()
        while idle.isEmpty && openCount >= maximumConnections { condition.wait() }
        if let connection = idle.popLast() {
            condition.unlock()
            if !connection.isClosed { return connection }
            condition.lock()
            openCount -= 1
            condition.signal()
            condition.unlock()
            return try checkOut()
        }
        openCount += 1
        nextID += 1
        let id = nextID
        condition.unlock()
        do {
            let connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(),
                                                            configuration: configuration, id: id, logger: logger).wait()
            do {
                try run("SET search_path TO \"\(location.schema)\", public", on: connection)
                if readOnly { try run("SET default_transaction_read_only = on", on: connection) }
            } catch {
                Self.closeAndWait(connection)
                throw error
            }
            return connection
        } catch {
            condition.lock()
            openCount -= 1
            condition.signal()
            condition.unlock()
            throw StorageError.cannotOpen(path: location.description, reason: Self.reason(error))
        }
    }

    private func checkIn(_ connection: PostgresConnection, healthy: Bool) {
        condition.lock()
        if healthy { idle.append(connection) } else { openCount -= 1 }
        condition.signal()
        condition.unlock()
        if !healthy { Self.closeAndWait(connection) }
    }

    /// Closes a connection and waits until it is (postgres-nio requires it before the last reference goes).
    private static func closeAndWait(_ connection: PostgresConnection) {
        let closing: EventLoopFuture<Void> = connection.close()
        _ = try? closing.wait()
    }

    private func describe(_ error: Error) -> Error {
        if error is StorageError { return error }
        return StorageError.database(path: location.description, reason: Self.reason(error))
    }

    /// Whether the connection itself failed (as opposed to a statement the server refused).
    static func isConnectionFailure(_ error: Error) -> Bool {
        guard let error = error as? PSQLError else { return !(error is StorageError) }
        return error.code != .server
    }

    /// What went wrong, in words: the server's message and SQLSTATE, or the connection failure.
    /// (`PSQLError`'s own description hides everything to keep data out of logs.)
    static func reason(_ error: Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo, let message = info[.message] {
            var text = message
            if let detail = info[.detail] { text += " (\(detail))" }
            if let hint = info[.hint] { text += "; hint: \(hint)" }
            if let state = info[.sqlState] { text += " [SQLSTATE \(state)]" }
            return text
        }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return "the connection to PostgreSQL was lost" + (error.underlying.map { ": \($0)" } ?? "")
        case .connectionError:
            return "cannot connect to PostgreSQL" + (error.underlying.map { ": \($0)" } ?? "")
        default:
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
    }
}
