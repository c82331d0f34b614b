import Foundation
import HummingbirdTesting
import Hummingbird
import NIOCore
import RagTuneModels
@testable import RagTuneServer
import Testing

/// Every error path that needs no model: the server's models fail to load (an empty model
/// folder), so these also check that a failed load is reported, not hidden.
struct ErrorRouteTests {
    private func serverWithoutModels(_ change: (inout ServerConfiguration) -> Void = { _ in }) async throws -> RagTuneServer {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-no-models-\(UUID().uuidString)")
        let server = try makeServer(directory: ModelDirectory(root: empty), change)
        await #expect(throws: ServerConfigurationError.self) { try await server.waitUntilReady() }
        return server
    }

    @Test func healthIsUpAndReadyAndModelRoutesSayTheLoadFailed() async throws {
        let server = try await serverWithoutModels()
        defer { server.shutdown() }
        try await withClient(server) { client in
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
            let ready = try await client.execute(uri: "/ready", method: .get)
            #expect(ready.status == .serviceUnavailable)
            let status = try object(ready)
            #expect(status["status"] as? String == "failed")
            #expect((status["error"] as? String)?.isEmpty == false)
            let models = try await client.execute(uri: "/v1/models", method: .get)
            #expect(models.status == .serviceUnavailable)
            #expect(try errorFields(models)["code"] as? String == "not_ready")
            let chat = try await post(client, "/v1/chat/completions",
                                      #"{"model":"smollm2","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(chat.status == .serviceUnavailable)
            #expect((try errorFields(chat)["message"] as? String)?.contains("failed to load") == true)
        }
    }

    @Test func badRequestsGet400NamingTheField() async throws {
        let server = try await serverWithoutModels()
        defer { server.shutdown() }
        try await withClient(server) { client in
            let cases: [(body: String, param: String?, says: String)] = [
                ("{not json", nil, "not valid JSON"),
                ("", nil, "empty"),
                (#"{"model":"smollm2"}"#, "messages", "Missing required field 'messages'"),
                (#"{"model":"smollm2","messages":"hello"}"#, "messages", "wrong type"),
                (#"{"model":"smollm2","messages":[{"content":"hi"}]}"#, "messages[0].role", "Missing required field"),
                (#"{"model":"smollm2","messages":[{"role":"user","content":"hi"}],"n":2}"#, "n", "one choice"),
                (#"{"model":"smollm2","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function"}]}"#,
                 "tools", "not supported"),
                (#"{"model":"smollm2","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}"#,
                 "temperature", "wrong type"),
            ]
            for (body, param, says) in cases {
                let response = try await post(client, "/v1/chat/completions", body)
                #expect(response.status == .badRequest, "\(body)")
                let error = try errorFields(response)
                #expect(error["type"] as? String == "invalid_request_error")
                #expect((error["message"] as? String)?.contains(says) == true, "\(body): \(error)")
                #expect(error["param"] as? String == param, "\(body): \(error)")
            }
            let embeddings = try await post(client, "/v1/embeddings", #"{"model":"minilm","input":[1,2,3]}"#)
            #expect(embeddings.status == .badRequest)
            #expect(try errorFields(embeddings)["param"] as? String == "input")
            let completion = try await post(client, "/v1/completions", #"{"model":"smollm2","prompt":"a","echo":true}"#)
            #expect(completion.status == .badRequest)
        }
    }

    @Test func unknownRoutesAndOversizedBodiesKeepTheErrorShape() async throws {
        let server = try await serverWithoutModels { $0.maxRequestBytes = 1024 }
        defer { server.shutdown() }
        try await withClient(server) { client in
            let missing = try await client.execute(uri: "/v1/nothing-here", method: .get)
            #expect(missing.status == .notFound)
            #expect(try errorFields(missing)["type"] as? String == "not_found_error")
            let wrongMethod = try await client.execute(uri: "/v1/chat/completions", method: .get)
            #expect(wrongMethod.status == .notFound || wrongMethod.status == .methodNotAllowed)
            _ = try errorFields(wrongMethod)
            let big = #"{"model":"smollm2","messages":[{"role":"user","content":""# + String(repeating: "x", count: 4000) + #""}]}"#
            let tooLarge = try await post(client, "/v1/chat/completions", big)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try errorFields(tooLarge)["code"] as? String == "request_too_large")
        }
    }
}
