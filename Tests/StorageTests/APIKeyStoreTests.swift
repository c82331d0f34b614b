import Foundation
import RagTuneStorage
import Testing

struct APIKeyStoreTests {
    private func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-keys-\(UUID().uuidString)").path
    }

    @Test func aKeyAuthenticatesUntilRevokedAndOnlyItsHashIsStored() throws {
        let directory = folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = try APIKeyStore(directory: directory, create: true)
        let (key, token) = try keys.create(tenant: "acme", groups: ["research", "board", "research"])
        #expect(token.hasPrefix("rtk-\(key.id)-") && token.count == 4 + 12 + 1 + 48)
        #expect(key.groups == ["board", "research"])
        #expect(try keys.authenticate(token) == key)

        let secret = String(token.split(separator: "-")[2])
        let file = try Data(contentsOf: URL(fileURLWithPath: keys.path))
        #expect(file.range(of: Data(secret.utf8)) == nil, "the secret itself must not be stored")

        var wrong = Array(token)
        wrong[wrong.count - 1] = wrong.last == "0" ? "1" : "0"
        for bad in [String(wrong), "rtk-\(key.id)", "", "Bearer " + token, token + "0", "rtk-000000000000-" + secret] {
            #expect(try keys.authenticate(bad) == nil, "\(bad)")
        }
        let (other, otherToken) = try keys.create(tenant: "globex", groups: [])
        #expect(try keys.list().map(\.id) == [key.id, other.id] || Set(try keys.list().map(\.id)) == [key.id, other.id])
        #expect(try keys.revoke(id: key.id))
        #expect(try keys.authenticate(token) == nil)
        #expect(try keys.authenticate(otherToken)?.tenant == "globex")
        #expect(try keys.list().first { $0.id == key.id }?.revokedAt != nil)
        #expect(try !keys.revoke(id: "ffffffffffff"))
        // a second handle on the same file sees the revocation at once
        #expect(try APIKeyStore(directory: directory, create: false).authenticate(token) == nil)
    }

    @Test func badNamesAndAMissingKeyFileAreErrors() throws {
        let directory = folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: StorageError.self) { try APIKeyStore(directory: directory, create: false) }
        do {
            _ = try APIKeyStore(directory: directory, create: false)
        } catch {
            #expect("\(error)".contains("ragtune keys create --store \(directory)"))
        }
        let keys = try APIKeyStore(directory: directory, create: true)
        for (tenant, groups) in [("", [String]()), ("a b", []), ("acme", ["ok", "no/slash"]), (String(repeating: "x", count: 65), [])] {
            #expect(throws: StorageError.self, "\(tenant) \(groups)") { try keys.create(tenant: tenant, groups: groups) }
        }
        #expect(try keys.list().isEmpty)
    }
}
