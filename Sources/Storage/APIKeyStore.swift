import Foundation
import GRDB
import RagTuneTensor

/// Where a server's API keys live: `APIKeyStore` (a data folder's `keys.sqlite`) or
/// `PostgresAPIKeyStore` (a table in the server's PostgreSQL schema). Each key belongs to one tenant
/// and carries ACL groups; only the SHA-256 of a key's secret is stored, and the whole key is shown
/// once, when it is made. `ragtune keys` and `ragtune serve` both use it.
public protocol APIKeyRegistry: Sendable {
    /// Where the keys are (a file, or a URL without its password), for messages.
    var path: String { get }
    /// Makes a key for `tenant` with `groups`. - Returns: what is stored, and the whole key
    /// (`rtk-<id>-<secret>`), which is not kept anywhere and cannot be shown again.
    /// - Throws: `StorageError.invalidName` for a tenant or group outside `[A-Za-z0-9._-]`.
    func create(tenant: String, groups: [String]) throws -> (key: APIKeyStore.Key, token: String)
    /// Every key, oldest first, revoked ones included.
    func list() throws -> [APIKeyStore.Key]
    /// Revokes the key `id` (the public part). - Returns: false when no such key exists.
    @discardableResult
    func revoke(id: String) throws -> Bool
    /// The live key whose whole text is `token`, or nil (unknown, malformed, revoked or wrong secret).
    func authenticate(_ token: String) throws -> APIKeyStore.Key?
}

/// The API keys of a server's data folder, in `keys.sqlite` there.
public struct APIKeyStore: APIKeyRegistry {
    /// What is stored about a key (never its secret).
    public struct Key: Encodable, Sendable, Equatable {
        /// The public part of the key (`rtk-<id>-…`), shown by `keys list` and accepted by `keys revoke`.
        public var id: String
        public var tenant: String
        /// ACL groups: retrieval shows a restricted document only when its ACL names one of them.
        public var groups: [String]
        public var createdAt: Date
        public var revokedAt: Date?

        public init(id: String, tenant: String, groups: [String], createdAt: Date, revokedAt: Date?) {
            self.id = id
            self.tenant = tenant
            self.groups = groups
            self.createdAt = createdAt
            self.revokedAt = revokedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, tenant, groups, createdAt = "created_at", revokedAt = "revoked_at"
        }

        /// Dates as ISO 8601 text (`revoked_at` null while the key is live).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(tenant, forKey: .tenant)
            try c.encode(groups, forKey: .groups)
            try c.encode(createdAt.ISO8601Format(), forKey: .createdAt)
            try c.encode(revokedAt?.ISO8601Format(), forKey: .revokedAt)
        }
    }

    /// The database file.
    public let path: String
    private let queue: DatabaseQueue

    /// Opens (creating when `create`) the key file of the data folder `directory`.
    /// - Throws: `StorageError.noKeys` when the file is missing and `create` is false;
    ///   `cannotOpen` naming the file otherwise.
    public init(directory: String, create: Bool) throws {
        path = URL(fileURLWithPath: directory).appendingPathComponent("keys.sqlite").path
        if !create && !FileManager.default.fileExists(atPath: path) { throw StorageError.noKeys(path: path) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(sql: """
                    CREATE TABLE api_key (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, groups TEXT NOT NULL,
                                          secretHash TEXT NOT NULL, createdAt DOUBLE NOT NULL, revokedAt DOUBLE)
                    """)
            }
            try migrator.migrate(queue)
        } catch {
            throw StorageError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    public func create(tenant: String, groups: [String]) throws -> (key: Key, token: String) {
        let made = try Self.make(tenant: tenant, groups: groups)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO api_key (id, tenant, groups, secretHash, createdAt) VALUES (?, ?, ?, ?, ?)",
                           arguments: [made.key.id, tenant, try Self.json(made.key.groups), made.secretHash,
                                       made.key.createdAt.timeIntervalSince1970])
        }
        return (made.key, made.token)
    }

    public func list() throws -> [Key] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT id, tenant, groups, createdAt, revokedAt FROM api_key ORDER BY createdAt, id")
                .map(Self.key(from:))
        }
    }

    /// Revoking takes effect at the next request: `authenticate` reads the file every time.
    @discardableResult
    public func revoke(id: String) throws -> Bool {
        try queue.write { db in
            try db.execute(sql: "UPDATE api_key SET revokedAt = ? WHERE id = ? AND revokedAt IS NULL",
                           arguments: [Date().timeIntervalSince1970, id])
            if db.changesCount > 0 { return true }
            return try Bool.fetchOne(db, sql: "SELECT 1 FROM api_key WHERE id = ?", arguments: [id]) ?? false
        }
    }

    /// The secret's hash is compared in constant time.
    public func authenticate(_ token: String) throws -> Key? {
        guard let (id, presented) = Self.parse(token) else { return nil }
        return try queue.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT id, tenant, groups, createdAt, revokedAt, secretHash FROM api_key WHERE id = ?
                """, arguments: [id]) else { return nil }
            guard Self.constantTimeEqual(row["secretHash"], presented) else { return nil }
            let key = try Self.key(from: row)
            return key.revokedAt == nil ? key : nil
        }
    }

    /// A new key for `tenant` with `groups`, for a registry to store: what is stored, the SHA-256
    /// of its secret, and the whole key.
    /// - Throws: `StorageError.invalidName` for a tenant or group outside `[A-Za-z0-9._-]`.
    public static func make(tenant: String, groups: [String]) throws -> (key: Key, secretHash: String, token: String) {
        for name in [tenant] + groups where !isValidName(name) {
            throw StorageError.invalidName(name, rule: "tenant and group names hold 1-64 of A-Z a-z 0-9 . _ -")
        }
        let id = randomHex(bytes: 6), secret = randomHex(bytes: 24)
        // Stored as this Double, so the Date read back is equal.
        let created = Date(timeIntervalSince1970: Date().timeIntervalSince1970)
        let key = Key(id: id, tenant: tenant, groups: Array(Set(groups)).sorted(), createdAt: created, revokedAt: nil)
        return (key, hash(secret), "rtk-\(id)-\(secret)")
    }

    /// The id and the secret's SHA-256 of a well-formed key text (`rtk-<12 hex>-<48 hex>`), else nil.
    public static func parse(_ token: String) -> (id: String, secretHash: String)? {
        let parts = token.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "rtk", parts[1].count == 12, parts[2].count == 48 else { return nil }
        return (String(parts[1]), hash(String(parts[2])))
    }

    /// Compares two hashes in time independent of where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Whether `name` may be a tenant or group name.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    private static func key(from row: Row) throws -> Key {
        let groups = try JSONDecoder().decode([String].self, from: Data((row["groups"] as String).utf8))
        let revoked: Double? = row["revokedAt"]
        return Key(id: row["id"], tenant: row["tenant"], groups: groups,
                   createdAt: Date(timeIntervalSince1970: row["createdAt"]),
                   revokedAt: revoked.map(Date.init(timeIntervalSince1970:)))
    }

    private static func json(_ groups: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(groups), as: UTF8.self)
    }

    private static func hash(_ secret: String) -> String {
        var sha = SHA256()
        sha.update(Data(secret.utf8))
        return sha.hexDigest()
    }

    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
