import Foundation
import HummingbirdTesting
import Hummingbird
import NIOCore
import RagTuneModels
@testable import RagTuneServer
import RagTuneStorage
import RagTuneTestSupport
import RagTuneTraining
import Testing

/// Adapters registered for one tenant (`tenant_adapters`): its keys list and use them, other
/// tenants' keys neither see nor reach them, and the open `/ready` does not name them.
@Suite(.serialized, .needsSmolLM2, .needsMiniLM)
struct TenantAdapterTests {
    @Test func aTenantsAdapterIsItsOwn() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-tenant-adapters-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let config = try TextGenerator(threads: 1).model.config
        let lora = LoRAConfiguration(rank: 2, alpha: 4, dropout: 0, targets: [.query, .value], seed: 3)
        let adapter = try PEFTAdapter(lora: lora, parameters: LoRAParameters(
            peftInitializedWith: LoRALayout(config: config, rank: 2, targets: [.query, .value]), seed: 3), config: config)
        try adapter.write(to: scratch.appendingPathComponent("support"))
        let data = scratch.appendingPathComponent("data").path
        let server = try makeServer {
            $0.store = data
            $0.tenantAdapters = ["acme": ["support": scratch.appendingPathComponent("support").path]]
        }
        defer { server.shutdown() }
        let keys = try APIKeyStore(directory: data, create: false)
        let acme = try keys.create(tenant: "acme", groups: []).token, globex = try keys.create(tenant: "globex", groups: []).token
        try await server.waitUntilReady()
        try await withClient(server) { client in
            func models(_ key: String) async throws -> String {
                String(buffer: try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer \(key)"]).body)
            }
            #expect(try await models(acme).contains("smollm2+support"))
            #expect(!(try await models(globex)).contains("support"))
            #expect(!String(buffer: try await client.execute(uri: "/ready", method: .get).body).contains("support"))
            let chat = #"{"model":"smollm2+support","messages":[{"role":"user","content":"Hi"}],"max_tokens":4,"temperature":0}"#
            let mine = try await client.execute(uri: "/v1/chat/completions", method: .post,
                                                headers: [.authorization: "Bearer \(acme)", .contentType: "application/json"],
                                                body: ByteBuffer(string: chat))
            #expect(mine.status == .ok, "\(String(buffer: mine.body))")
            let theirs = try await client.execute(uri: "/v1/chat/completions", method: .post,
                                                  headers: [.authorization: "Bearer \(globex)", .contentType: "application/json"],
                                                  body: ByteBuffer(string: chat))
            #expect(theirs.status == .notFound)
            #expect(try errorFields(theirs)["code"] as? String == "model_not_found")
            let message = (try errorFields(theirs)["message"] as? String) ?? ""
            #expect(message.contains("served:") && !(message.components(separatedBy: "served:").last ?? "").contains("support"),
                    "the list of models offered must not name another tenant's adapter: \(message)")
        }
    }

    @Test func tenantAdaptersNeedAStoreAndUniqueNames() {
        var settings = ServerConfiguration()
        settings.tenantAdapters = ["acme": ["support": "/x"]]
        #expect(throws: ServerConfigurationError.self) { try settings.validate() }
        settings.store = "/tmp/somewhere"
        settings.adapters = ["support": "/y"]
        #expect(throws: ServerConfigurationError.self) { try settings.validate() }
        settings.adapters = [:]
        #expect(throws: Never.self) { try settings.validate() }
    }
}
