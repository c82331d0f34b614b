import ArgumentParser
import Foundation
import RagTuneRAG
import RagTuneStorage

/// `ragtune keys create|list|revoke --store DIR|postgres://…`: the API keys of `ragtune serve --store …`.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Make, list and revoke the API keys of a server's data folder or database (stored hashed).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a key for a tenant; the key is printed once and stored only as a hash.")

        @Option(help: "The server's data folder or postgres:// URL (`ragtune serve --store DIR|URL`).")
        var store: String

        @Option(help: "The tenant the key acts for: it sees only this tenant's collections.")
        var tenant: String

        @Option(help: ArgumentHelp("ACL groups, comma-separated: restricted documents whose ACL names one are visible.",
                                   valueName: "a,b"))
        var groups: String = ""

        @OptionGroup var jsonOutput: JSONOutputOptions

        func validate() throws {
            guard APIKeyStore.isValidName(tenant) else { throw ValidationError("--tenant '\(tenant)': use 1-64 of A-Z a-z 0-9 . _ -") }
            for group in groupList where !APIKeyStore.isValidName(group) {
                throw ValidationError("--groups: '\(group)' is not a valid group name (1-64 of A-Z a-z 0-9 . _ -)")
            }
        }

        var groupList: [String] { groups.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

        func run() throws {
            let (key, token) = try APIKeys.open(store, create: true).create(tenant: tenant, groups: groupList)
            if jsonOutput.json {
                try printJSON(CreatedKey(key: token, id: key.id, tenant: key.tenant, groups: key.groups))
            } else {
                print(token)
                logError("key \(key.id) for tenant \(key.tenant)\(key.groups.isEmpty ? "" : ", groups \(key.groups.joined(separator: ","))"); "
                         + "it is not stored and cannot be shown again")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys (ids, tenants, groups; never the secrets).")

        @Option(help: "The server's data folder or postgres:// URL.")
        var store: String

        @OptionGroup var jsonOutput: JSONOutputOptions

        func run() throws {
            let keys = try APIKeys.open(store, create: false).list()
            if jsonOutput.json { return try printJSON(KeyList(keys: keys)) }
            for key in keys {
                print([key.id, key.tenant, key.groups.joined(separator: ",").isEmpty ? "-" : key.groups.joined(separator: ","),
                       key.revokedAt == nil ? "active" : "revoked"].joined(separator: "\t"))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke keys by id; the server refuses them from the next request on.")

        @Option(help: "The server's data folder or postgres:// URL.")
        var store: String

        @Argument(help: "Key ids (the part after rtk-, as `keys list` shows).")
        var ids: [String]

        @OptionGroup var jsonOutput: JSONOutputOptions

        func run() throws {
            let keys = try APIKeys.open(store, create: false)
            var unknown: [String] = []
            for id in ids where try !keys.revoke(id: id) { unknown.append(id) }
            if jsonOutput.json {
                try printJSON(RevokeSummary(revoked: ids.count - unknown.count, unknown: unknown))
            } else {
                print("revoked \(ids.count - unknown.count) of \(ids.count)")
            }
            if !unknown.isEmpty { throw ValidationError("no key with id \(unknown.joined(separator: ", ")) in \(keys.path)") }
        }
    }
}

/// What `keys create --json` prints: the whole key (shown this once) and what is stored.
struct CreatedKey: Encodable {
    var key: String
    var id: String
    var tenant: String
    var groups: [String]
}

/// What `keys list --json` prints.
struct KeyList: Encodable {
    var keys: [APIKeyStore.Key]
}

/// What `keys revoke --json` prints.
struct RevokeSummary: Encodable {
    var revoked: Int
    var unknown: [String]
}
