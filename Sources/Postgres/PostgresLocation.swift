import Foundation
import RagTuneStorage

/// Where a PostgreSQL store lives: `postgres://user[:password]@host[:port]/database[?schema=S&sslmode=M]`
/// (`postgresql://` too). The password comes from the URL, else `PGPASSWORD`, else `~/.pgpass` (as
/// libpq reads them); it never appears in `description`, which messages and logs use.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// The PostgreSQL schema holding the store's tables (`public` unless `?schema=` says otherwise), so
    /// several stores can share one database.
    public var schema: String
    public var tls: TLSMode

    /// `sslmode` as libpq spells it; `verify-full` checks the certificate and host name.
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    /// Whether `string` names a PostgreSQL store rather than a file.
    public static func isPostgresURL(_ string: String) -> Bool {
        string.hasPrefix("postgres://") || string.hasPrefix("postgresql://")
    }

    /// Parses a store URL. - Parameters: `environment` and `home` are where `PGPASSWORD` and `.pgpass`
    /// are looked up (the process's by default).
    /// - Throws: `StorageError.cannotOpen` naming the (password-free) URL and what is wrong with it.
    public init(url string: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                home: String = NSHomeDirectory()) throws {
        let shown = Self.redacted(string)
        func invalid(_ reason: String) -> StorageError { .cannotOpen(path: shown, reason: reason) }
        guard Self.isPostgresURL(string), let components = URLComponents(string: string) else {
            throw invalid("not a postgres:// URL (postgres://user[:password]@host[:port]/database[?schema=NAME])")
        }
        guard let user = components.user.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw invalid("no user (postgres://USER@host/database)")
        }
        self.user = user
        host = components.host.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw invalid("port \(port) is out of range") }
        let name = String(components.path.drop { $0 == "/" }).removingPercentEncoding ?? ""
        database = name.isEmpty ? user : name
        schema = "public"
        tls = .disable
        for item in components.queryItems ?? [] {
            switch item.name {
            case "schema":
                guard let value = item.value, Self.isValidSchema(value) else {
                    throw invalid("schema must be 1 to 63 lowercase letters, digits or _, starting with a letter or _")
                }
                schema = value
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw invalid("sslmode must be disable, prefer, require or verify-full")
                }
                tls = mode
            default:
                throw invalid("unknown parameter '\(item.name)' (known: schema, sslmode)")
            }
        }
        password = components.password.flatMap { $0.removingPercentEncoding }
            ?? environment["PGPASSWORD"]
            ?? Self.passwordFile(environment["PGPASSFILE"] ?? home + "/.pgpass", host: host, port: port,
                                 database: database, user: user)
    }

    /// The URL without its password.
    public var description: String {
        var text = "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        var parameters: [String] = []
        if schema != "public" { parameters.append("schema=\(schema)") }
        if tls != .disable { parameters.append("sslmode=\(tls.rawValue)") }
        if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
        return text
    }

    /// The same location in another schema.
    /// The store URL `url` (its password, if any, kept) naming schema `name` instead of its own.
    /// - Throws: `StorageError.cannotOpen` for a URL `init(url:)` refuses or an invalid schema name.
    public static func url(_ url: String, inSchema name: String) throws -> String {
        _ = try PostgresLocation(url: url, environment: [:], home: "/nonexistent")
        guard isValidSchema(name), var components = URLComponents(string: url) else {
            throw StorageError.cannotOpen(path: redacted(url), reason: "'\(name)' is not a schema name")
        }
        components.queryItems = (components.queryItems ?? []).filter { $0.name != "schema" } + [URLQueryItem(name: "schema", value: name)]
        return components.string ?? url
    }

    public func inSchema(_ name: String) -> PostgresLocation {
        var copy = self
        copy.schema = name
        return copy
    }

    /// A schema name RagTune accepts (it is quoted into SQL, so only a safe alphabet).
    public static func isValidSchema(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63 else { return false }
        let lower = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz_")
        let allowed = lower.union(CharacterSet(charactersIn: "0123456789"))
        return lower.contains(first) && name.unicodeScalars.allSatisfy(allowed.contains)
    }

    /// `string` with any password replaced, for messages about URLs that did not parse.
    static func redacted(_ string: String) -> String {
        guard let at = string.firstIndex(of: "@"), let scheme = string.range(of: "://"), scheme.upperBound < at else {
            return string
        }
        let credentials = string[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return string }
        return String(string[..<colon]) + ":***" + String(string[at...])
    }

    /// The password for the first matching line of a libpq password file (`host:port:database:user:password`,
    /// `*` matching anything, `\:` and `\\` escaped). Like libpq, a file others can read is ignored.
    static func passwordFile(_ path: String, host: String, port: Int, database: String, user: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 == 0,
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            var fields: [String] = [], current = "", escaped = false
            for character in line {
                if escaped { current.append(character); escaped = false }
                else if character == "\\" { escaped = true }
                else if character == ":" && fields.count < 4 { fields.append(current); current = "" }
                else { current.append(character) }
            }
            fields.append(current)
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }
}
