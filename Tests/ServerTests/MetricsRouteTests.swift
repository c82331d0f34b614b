import Foundation
import HummingbirdTesting
import Hummingbird
import NIOCore
import RagTuneModels
@testable import RagTuneServer
import RagTuneTestSupport
import Testing

/// `GET /metrics`: Prometheus text with requests by route pattern and status, latency, time to
/// first token, generated tokens and the queue.
struct MetricsRouteTests {
    /// The sample lines of `name` in a text exposition.
    private func samples(_ text: String, _ name: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
    }

    @Test func errorsAreCountedByRoutePatternAndStatus() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-no-models-\(UUID().uuidString)")
        let server = try makeServer(directory: ModelDirectory(root: empty))
        defer { server.shutdown() }
        try await withClient(server) { client in
            for _ in 0..<3 { _ = try await post(client, "/v1/chat/completions", "{not json") }
            _ = try await client.execute(uri: "/v1/models/anything", method: .get)
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let chat = samples(text, "ragtune_http_requests_total").filter { $0.contains("route=\"/v1/chat/completions\"") }
            #expect(chat.contains { $0.contains("status=\"400\"") && $0.hasSuffix(" 3") }, "\(chat)")
            let model = samples(text, "ragtune_http_requests_total").filter { $0.contains("route=\"/v1/models/{id}\"") }
            #expect(model.contains { $0.contains("status=\"503\"") && $0.hasSuffix(" 1") }, "route patterns, not raw paths: \(model)")
            #expect(!text.contains("/v1/models/anything"))
            #expect(text.contains("ragtune_http_request_duration_seconds_bucket"))
            #expect(samples(text, "ragtune_queue_waiting") == ["ragtune_queue_waiting 0.0"] || samples(text, "ragtune_queue_waiting").count == 1)
        }
    }

    @Test(.needsSmolLM2, .needsMiniLM) func generationsAddTimeToFirstTokenAndTokens() async throws {
        let server = try makeServer()
        defer { server.shutdown() }
        try await server.waitUntilReady()
        try await withClient(server) { client in
            let response = try object(try await post(client, "/v1/chat/completions",
                                                     #"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"temperature":0,"max_tokens":8}"#))
            let tokens = try #require((response["usage"] as? [String: Int])?["completion_tokens"])
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(samples(text, "ragtune_time_to_first_token_seconds_count") == ["ragtune_time_to_first_token_seconds_count 1"])
            #expect(samples(text, "ragtune_generated_tokens_total") == ["ragtune_generated_tokens_total \(tokens)"], "\(text)")
            #expect(samples(text, "ragtune_http_requests_total").contains {
                $0.contains("route=\"/v1/chat/completions\"") && $0.contains("status=\"200\"")
            })
        }
    }
}
