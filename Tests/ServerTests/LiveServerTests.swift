import Foundation
import RagTuneTestSupport
import Testing

/// `ragtune serve` as a user runs it (the CLI execs the server executable), with a data folder and
/// an API key made by `ragtune keys create`, driven over loopback by the official `openai` Python
/// client (`openai_client_check.py`) and by schemathesis from the served OpenAPI document.
@Suite(.serialized, .needsSmolLM2, .needsMiniLM)
struct LiveServerTests {
    /// The client venv `scripts/setup_server_tests.sh` makes.
    static let venv = URL(fileURLWithPath: ProcessInfo.processInfo.environment["RAGTUNE_BENCH_CACHE"]
                              ?? NSHomeDirectory() + "/.cache/ragtune-bench").appendingPathComponent("client-venv/bin")
    static var hasClients: Bool {
        ["python", "schemathesis"].allSatisfy { FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent($0).path) }
    }

    /// `ragtune` built beside the test bundle.
    static var binary: URL? {
        let candidates = [Bundle.main.executableURL?.deletingLastPathComponent(), Bundle.main.bundleURL.deletingLastPathComponent(),
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                              .deletingLastPathComponent().appendingPathComponent(".build/debug")]
        return candidates.compactMap { $0?.appendingPathComponent("ragtune") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static let skip = "skipped: needs the built ragtune and ragtune-server, and the Python clients (bash scripts/setup_server_tests.sh)"

    /// A running `ragtune serve --port 0 --store DATA` with one key of tenant `acme`; stopped by `stop()`.
    final class LiveServer {
        let process = Process()
        /// The data folder or postgres:// URL.
        let store: String
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-serve-\(UUID()).log")
        var address = ""
        var key = ""
        /// Whether `stop()` removes the data folder.
        let ownsData: Bool

        /// - Parameter store: an existing data folder or a database to serve (kept by `stop()`); nil: a new folder.
        init(_ binary: URL, arguments: [String] = [], store: String? = nil) throws {
            self.store = store ?? FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-serve-data-\(UUID())").path
            ownsData = store == nil
            let made = Process(), madeOutput = Pipe()
            made.executableURL = binary
            made.arguments = ["keys", "create", "--store", self.store, "--tenant", "acme", "--groups", "research", "--json"]
            made.standardOutput = madeOutput
            try made.run()
            let madeJSON = madeOutput.fileHandleForReading.readDataToEndOfFile()
            made.waitUntilExit()
            key = try #require((try JSONSerialization.jsonObject(with: madeJSON) as? [String: Any])?["key"] as? String)

            process.executableURL = binary
            process.arguments = ["serve", "--port", "0", "--store", self.store] + arguments
            let output = Pipe()
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardOutput = output
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            // The one stdout line names the address (port 0: the port chosen).
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let byte = output.fileHandleForReading.readData(ofLength: 1)
                if byte.isEmpty { break }
                line.append(byte)
            }
            let text = String(decoding: line, as: UTF8.self)
            address = try #require(text.range(of: "http://").map { String(text[$0.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines) },
                                   "no address on stdout: \(text); log: \(logText)")
        }

        var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        /// Runs `tool` from the client venv; returns its exit status and stdout.
        func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
            let client = Process(), output = Pipe()
            client.executableURL = LiveServerTests.venv.appendingPathComponent(tool)
            client.arguments = arguments
            client.standardOutput = output
            client.currentDirectoryURL = FileManager.default.temporaryDirectory
            try client.run()
            let text = output.fileHandleForReading.readDataToEndOfFile()
            client.waitUntilExit()
            return (client.terminationStatus, String(decoding: text, as: UTF8.self))
        }

        func stop() {
            if process.isRunning { process.terminate() }
            if ownsData { try? FileManager.default.removeItem(atPath: store) }
            try? FileManager.default.removeItem(at: log)
        }
    }

    @Test(.enabled(if: (hasClients && binary != nil) || TestServer.required, Comment(rawValue: skip)))
    func theOpenAIPythonClientWorksAgainstALiveServer() async throws {
        let server = try LiveServer(try #require(Self.binary, "ragtune is not built"), arguments: ["--queue", "4"])
        defer { server.stop() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("openai_client_check.py")
        let (_, report) = try server.run("python", [script.path, server.address, "\(server.process.processIdentifier)", server.key])
        let result = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any],
                                  "client printed: \(report)")
        let checks = try #require(result["checks"] as? [[String: Any]])
        #expect(checks.count == 10, "\(checks)")
        for check in checks {
            #expect(check["ok"] as? Bool == true, "\(check["name"] ?? ""): \(check["detail"] ?? "")")
        }
        // SIGTERM (sent by the last check) ends the server cleanly once the stream is done.
        let deadline = Date().addingTimeInterval(60)
        while server.process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 100_000_000) }
        #expect(!server.process.isRunning, "the server did not exit after SIGTERM")
        if !server.process.isRunning {
            #expect(server.process.terminationStatus == 0, "log: \(server.logText)")
        }
    }

    /// Property-based requests from `/openapi.json` (coverage and fuzzing phases, every operation):
    /// no 5xx, documented statuses and content types, responses matching their schemas. Completions
    /// are capped at 8 tokens (`--max-tokens-limit`, which the document states) to bound the run.
    @Test(.enabled(if: (hasClients && binary != nil) || TestServer.required, Comment(rawValue: skip)))
    func schemathesisFindsNoServerErrorsOrSchemaMismatches() async throws {
        let server = try LiveServer(try #require(Self.binary, "ragtune is not built"),
                                    arguments: ["--max-tokens-limit", "8", "--requests-per-minute", "0"])
        defer { server.stop() }
        // wait for the models: schemathesis must not meet a 503 while they load
        let (ready, readyOutput) = try server.run("python", ["-c", """
            import json, sys, time, urllib.request
            for _ in range(600):
                try:
                    if json.load(urllib.request.urlopen(sys.argv[1] + "/ready"))["status"] == "ready": sys.exit(0)
                except Exception: pass
                time.sleep(0.2)
            sys.exit(1)
            """, server.address])
        try #require(ready == 0, "the server never became ready: \(readyOutput) \(server.logText)")
        let (status, output) = try server.run("schemathesis", [
            "run", server.address + "/openapi.json", "--url", server.address, "-H", "Authorization: Bearer \(server.key)",
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-examples", "15", "--workers", "1", "--phases", "examples,coverage,fuzzing", "--seed", "1",
        ])
        // The server's own error lines name what failed (a 500's body names only the error type).
        let serverErrors = server.logText.split(separator: "\n").filter { $0.contains("error") }.suffix(20).joined(separator: "\n")
        #expect(status == 0, "\(output.suffix(4000))\nserver log:\n\(serverErrors)")
        #expect(output.contains("passed") && !output.contains("failed"), "\(output.suffix(2000))")
    }
}
