import Foundation
import HummingbirdTesting
import Hummingbird
import NIOCore
import RagTuneModels
@testable import RagTuneServer
import RagTuneStorage
import Testing

/// API keys in front of every /v1/ route. The models fail to load here (an empty model folder), so
/// a request that passes the key check gets 503 and one that does not gets 401: the two differ.
struct AuthRouteTests {
    private func server(requestsPerMinute: Int = 0) throws -> (RagTuneServer, APIKeyStore, String) {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-serve-data-\(UUID().uuidString)").path
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-no-models-\(UUID().uuidString)")
        let server = try makeServer(directory: ModelDirectory(root: empty)) {
            $0.store = data
            $0.requestsPerMinute = requestsPerMinute
        }
        return (server, try APIKeyStore(directory: data, create: false), data)
    }

    private func get(_ client: any TestClientProtocol, _ uri: String, key: String?) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: key.map { [.authorization: "Bearer \($0)"] } ?? [:])
    }

    @Test func everyV1RouteNeedsALiveKey() async throws {
        let (server, keys, data) = try server()
        defer { server.shutdown(); try? FileManager.default.removeItem(atPath: data) }
        let (live, token) = try keys.create(tenant: "acme", groups: ["research"])
        let (_, revokedToken) = try keys.create(tenant: "acme", groups: [])
        try keys.revoke(id: String(revokedToken.split(separator: "-")[1]))
        try await withClient(server) { client in
            #expect(try await get(client, "/health", key: nil).status == .ok)
            #expect(try await get(client, "/ready", key: nil).status == .serviceUnavailable)
            let routes: [(HTTPRequest.Method, String)] = [(.get, "/v1/models"), (.get, "/v1/models/smollm2"),
                                                          (.post, "/v1/chat/completions"), (.post, "/v1/completions"),
                                                          (.post, "/v1/embeddings"), (.get, "/v1/no-such-route")]
            for (method, uri) in routes {
                for key in [nil, "rtk-123", revokedToken, token.dropLast() + "x"] as [String?] {
                    let response = try await client.execute(uri: uri, method: method,
                                                            headers: key.map { [.authorization: "Bearer \($0)"] } ?? [:])
                    #expect(response.status == .unauthorized, "\(method) \(uri) with \(key ?? "no key")")
                    #expect(try errorFields(response)["code"] as? String == "invalid_api_key")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                }
                let passed = try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer \(token)"])
                #expect(passed.status != .unauthorized, "\(method) \(uri) with a live key of \(live.tenant)")
            }
        }
    }

    @Test func aKeyOverItsRateGets429WithRetryAfter() async throws {
        let (server, keys, data) = try server(requestsPerMinute: 2)
        defer { server.shutdown(); try? FileManager.default.removeItem(atPath: data) }
        let (_, first) = try keys.create(tenant: "acme", groups: [])
        let (_, second) = try keys.create(tenant: "acme", groups: [])
        try await withClient(server) { client in
            #expect(try await get(client, "/v1/models", key: first).status == .serviceUnavailable)
            #expect(try await get(client, "/v1/models", key: first).status == .serviceUnavailable)
            let limited = try await get(client, "/v1/models", key: first)
            #expect(limited.status == .tooManyRequests)
            #expect(try errorFields(limited)["code"] as? String == "rate_limit_exceeded")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(try await get(client, "/v1/models", key: second).status == .serviceUnavailable, "limits are per key")
        }
    }

    @Test func theBucketRefillsOverTime() {
        let limiter = RateLimiter(perMinute: 60), start = Date()
        for _ in 0..<60 { #expect(limiter.take("k", now: start) == nil) }
        #expect(limiter.take("k", now: start) == 1)
        #expect(limiter.take("k", now: start.addingTimeInterval(1.01)) == nil)
        #expect(RateLimiter(perMinute: 0).take("k") == nil)
    }
}
