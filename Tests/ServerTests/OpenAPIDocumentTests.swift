import Foundation
import Hummingbird
import HummingbirdTesting
import RagTuneModels
@testable import RagTuneServer
import Testing

/// `/openapi.json` lists exactly the routes the router answers, with and without a data folder.
struct OpenAPIDocumentTests {
    @Test(arguments: [false, true])
    func theDocumentMatchesTheRoutes(withStore: Bool) async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-openapi-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-no-models-\(UUID().uuidString)")
        let server = try makeServer(directory: ModelDirectory(root: empty)) {
            if withStore { $0.store = data }
            $0.maxTokensLimit = 64
        }
        defer { server.shutdown() }
        let routes = Set(server.router().routes.map { "\($0.method.rawValue) \($0.path)" })
        let body = try await withClient(server) { client in
            Data(try await client.execute(uri: "/openapi.json", method: .get).body.readableBytesView)
        }
        let document = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in
            operations.keys.map { "\($0.uppercased()) \(path)" }
        })
        #expect(documented == routes, "only documented: \(documented.subtracting(routes)); only routed: \(routes.subtracting(documented))")
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
        let chat = try #require(schemas["ChatCompletionRequest"]?["properties"] as? [String: [String: Any]])
        #expect(chat["max_tokens"]?["maximum"] as? Int == 64, "max_tokens_limit is the documented maximum")
        // every $ref points at a schema that exists
        func refs(_ value: Any) -> [String] {
            if let object = value as? [String: Any] {
                return (object["$ref"] as? String).map { [$0] } ?? object.values.flatMap(refs)
            }
            return (value as? [Any])?.flatMap(refs) ?? []
        }
        let names = refs(document).map { $0.replacingOccurrences(of: "#/components/schemas/", with: "") }
        #expect(names.count > 10 && names.allSatisfy { schemas[$0] != nil }, "\(Set(names).subtracting(schemas.keys))")
    }
}
