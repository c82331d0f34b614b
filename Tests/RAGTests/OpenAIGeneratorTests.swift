import Foundation
import Testing
import RagTuneTestSupport
import RagTuneModels
@testable import RagTuneRAG

@Suite struct ServerSentEventParserTests {
    @Test func eventsSplitAtAnyByteBoundary() {
        let stream = "data: {\"a\": 1}\r\n\n: comment\n\ndata: line one\ndata: line two\n\nevent: x\ndata: [DONE]\n\ndata: tail"
        let bytes = Array(stream.utf8)
        for size in [1, 2, 3, 7, bytes.count] {
            var parser = ServerSentEventParser(), events: [String] = []
            for start in stride(from: 0, to: bytes.count, by: size) {
                events += parser.feed(Data(bytes[start..<min(start + size, bytes.count)]))
            }
            events += parser.finish()
            #expect(events == ["{\"a\": 1}", "line one\nline two", "[DONE]", "tail"], "piece size \(size)")
        }
    }
}

/// `OpenAIGenerator` against a real OpenAI-compatible server on loopback: llama-cpp-python's server
/// serving the same SmolLM2 GGUF, from the venv `Benchmarks/bench_decode.sh` builds (skipped when
/// that venv or the model is missing).
@Suite(.serialized) struct OpenAIGeneratorTests {
    static var python: URL { TestServer.python }

    /// Starts the server on a free port; nil (with an issue recorded) when it does not come up.
    static func startServer() throws -> (Process, URL)? {
        let model = try TestModels.directory.file(ModelCatalog.smollm2.weightsFile, of: ModelCatalog.smollm2)
        try #require(try TestServer.canImport("llama_cpp.server, uvicorn"),
                     "llama-cpp-python's server extras are not installed in \(python.path) (bash scripts/setup_llama_cpp.sh)")
        let port = Int.random(in: 20_000..<40_000)
        let server = Process()
        server.executableURL = python
        server.arguments = ["-m", "llama_cpp.server", "--model", model.path, "--host", "127.0.0.1", "--port", "\(port)",
                            "--n_threads", "1", "--n_ctx", "2048"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        let base = URL(string: "http://127.0.0.1:\(port)/v1")!
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if (try? Data(contentsOf: base.appendingPathComponent("models"))) != nil { return (server, base) }
            Thread.sleep(forTimeInterval: 0.3)
        }
        kill(server.processIdentifier, SIGKILL)
        Issue.record("llama-cpp-python's server did not start on port \(port)")
        return nil
    }

    @Test(.needsLlamaCppPython) func streamsAGreedyAnswerAndReportsErrors() throws {
        let (server, base) = try #require(try Self.startServer())
        defer {   // uvicorn's graceful SIGTERM shutdown can hang: kill it
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        let generator = OpenAIGenerator(baseURL: base, model: "smollm2", apiKey: "unused")
        var pieces: [String] = []
        let answer = try generator.generate([.user("What is the capital of France? Answer in one word.")], maxTokens: 16) {
            pieces.append($0)
        }
        #expect(!answer.text.isEmpty && pieces.joined() == answer.text && pieces.count > 1)
        #expect(answer.text.contains("Paris"))
        #expect(answer.completionTokens >= 1 && answer.completionTokens <= 16 && answer.promptTokens > 5)
        let again = try generator.generate([.user("What is the capital of France? Answer in one word.")], maxTokens: 16) { _ in }
        #expect(again.text == answer.text)   // temperature 0 is deterministic

        let wrongRoute = OpenAIGenerator(baseURL: base.appendingPathComponent("no-such-route"), model: "smollm2", apiKey: nil)
        #expect { try wrongRoute.generate([.user("hi")], maxTokens: 4) { _ in } } throws: { error in
            guard case RemoteGeneratorError.server(_, let status, _) = error else { return false }
            return status == 404
        }
        let nowhere = OpenAIGenerator(baseURL: URL(string: "http://127.0.0.1:9/v1")!, model: "m", apiKey: nil)
        #expect { try nowhere.generate([.user("hi")], maxTokens: 4) { _ in } } throws: { "\($0)".contains("cannot reach the server") }
    }
}
