import Foundation
import Testing

/// `ragtune keys` through the real binary: the key is printed once, listed without its secret,
/// revoked by id; bad names and unknown ids are errors.
struct KeysCommandTests {
    @Test(.enabled(if: IndexCommandTests.hasBinary, "the ragtune binary is not built"))
    func createListRevoke() throws {
        let binary = try #require(IndexCommandTests.builtBinary())
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-keys-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }

        let missing = try RobustnessTests.run(binary, ["keys", "list", "--store", data])
        #expect(missing.status != 0 && missing.stderr.contains("ragtune keys create --store \(data)"))

        let created = try IndexCommandTests.runJSON(binary, ["keys", "create", "--store", data, "--tenant", "acme",
                                                             "--groups", "research, board", "--json"])
        let token = try #require(created["key"] as? String), id = try #require(created["id"] as? String)
        #expect(token.hasPrefix("rtk-\(id)-") && created["tenant"] as? String == "acme")
        #expect(created["groups"] as? [String] == ["board", "research"])
        let plain = try RobustnessTests.run(binary, ["keys", "create", "--store", data, "--tenant", "globex"])
        #expect(plain.status == 0 && plain.stdout.hasPrefix("rtk-") && plain.stderr.contains("cannot be shown again"))

        let listed = try IndexCommandTests.runJSON(binary, ["keys", "list", "--store", data, "--json"])
        let keys = try #require(listed["keys"] as? [[String: Any]])
        #expect(keys.count == 2 && keys.contains { $0["id"] as? String == id && $0["revoked_at"] is NSNull })
        let secret = String(token.split(separator: "-")[2])
        #expect(!"\(listed)".contains(secret), "list must never show a secret")

        let revoked = try IndexCommandTests.runJSON(binary, ["keys", "revoke", "--store", data, id, "--json"])
        #expect(revoked["revoked"] as? Int == 1)
        let after = try IndexCommandTests.runJSON(binary, ["keys", "list", "--store", data, "--json"])
        #expect((after["keys"] as? [[String: Any]])?.first { $0["id"] as? String == id }?["revoked_at"] is String)

        let unknown = try RobustnessTests.run(binary, ["keys", "revoke", "--store", data, "ffffffffffff"])
        #expect(unknown.status != 0 && unknown.stderr.contains("ffffffffffff"))
        let badTenant = try RobustnessTests.run(binary, ["keys", "create", "--store", data, "--tenant", "a/b"])
        #expect(badTenant.status != 0 && badTenant.stderr.contains("--tenant"))
    }
}
