import Foundation
import HummingbirdTesting
import Hummingbird
import Logging
import NIOCore
import RagTuneModels
@testable import RagTuneServer
import Testing

/// A server over `directory` (default: the installed models), for in-process route tests.
func makeServer(directory: ModelDirectory = ModelDirectory(), _ change: (inout ServerConfiguration) -> Void = { _ in })
    throws -> RagTuneServer {
    var settings = ServerConfiguration()
    settings.port = 0
    change(&settings)
    return try RagTuneServer(configuration: settings, directory: directory)
}

/// Runs `body` against `server`'s routes through Hummingbird's in-process test client.
func withClient<T: Sendable>(_ server: RagTuneServer, _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
    var logger = Logger(label: "ragtune.serve.test")
    logger.logLevel = .warning
    let app = Application(router: server.router(), logger: logger)
    return try await app.test(.router) { client in try await body(client) }
}

/// POSTs `json` (text) to `uri`.
func post(_ client: any TestClientProtocol, _ uri: String, _ json: String) async throws -> TestResponse {
    try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"],
                             body: ByteBuffer(string: json))
}

/// The response body as a JSON object.
func object(_ response: TestResponse) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
    guard let object = value as? [String: Any] else { throw TestFailure("body is not a JSON object: \(String(buffer: response.body))") }
    return object
}

/// The `error` object of an OpenAI-shaped error body; fails the test when the shape is wrong.
func errorFields(_ response: TestResponse) throws -> [String: Any] {
    let body = try object(response)
    guard let error = body["error"] as? [String: Any], error["message"] is String, error["type"] is String,
          error.keys.contains("param"), error.keys.contains("code") else {
        throw TestFailure("not OpenAI's error shape: \(String(buffer: response.body))")
    }
    return error
}

/// The `data:` payloads of a server-sent event stream, in order.
func events(_ response: TestResponse) -> [String] {
    String(buffer: response.body).components(separatedBy: "\n\n")
        .filter { !$0.isEmpty }
        .map { $0.hasPrefix("data: ") ? String($0.dropFirst(6)) : "<not a data line: \($0)>" }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
