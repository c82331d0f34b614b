import Foundation
import RagTuneTestSupport
import Testing

/// `ragtune serve` as a user runs it (the CLI execs the server executable), with a data folder and
/// an API key made by `ragtune keys create`, driven over loopback by the official `openai` Python
/// client (`openai_client_check.py`).
@Suite(.serialized, .needsSmolLM2, .needsMiniLM)
struct LiveServerTests {
    /// The client venv `scripts/setup_server_tests.sh` makes.
    static let python = URL(fileURLWithPath: ProcessInfo.processInfo.environment["RAGTUNE_BENCH_CACHE"]
                                ?? NSHomeDirectory() + "/.cache/ragtune-bench").appendingPathComponent("client-venv/bin/python")
    static var hasClient: Bool { FileManager.default.isExecutableFile(atPath: python.path) }

    /// `ragtune` built beside the test bundle.
    static var binary: URL? {
        let candidates = [Bundle.main.executableURL?.deletingLastPathComponent(), Bundle.main.bundleURL.deletingLastPathComponent(),
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                              .deletingLastPathComponent().appendingPathComponent(".build/debug")]
        return candidates.compactMap { $0?.appendingPathComponent("ragtune") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    @Test(.enabled(if: (hasClient && binary != nil) || TestServer.required,
                   "skipped: needs the built ragtune and ragtune-server, and the openai client (bash scripts/setup_server_tests.sh)"))
    func theOpenAIPythonClientWorksAgainstALiveServer() async throws {
        let binary = try #require(Self.binary, "ragtune is not built")
        try #require(Self.hasClient, "no openai client venv at \(Self.python.path)")
        // A data folder with one key: every /v1/ route needs it.
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-serve-data-\(UUID())")
        defer { try? FileManager.default.removeItem(at: data) }
        let made = Process(), madeOutput = Pipe()
        made.executableURL = binary
        made.arguments = ["keys", "create", "--store", data.path, "--tenant", "acme", "--json"]
        made.standardOutput = madeOutput
        try made.run()
        let madeJSON = madeOutput.fileHandleForReading.readDataToEndOfFile()
        made.waitUntilExit()
        let key = try #require((try JSONSerialization.jsonObject(with: madeJSON) as? [String: Any])?["key"] as? String)

        let server = Process()
        server.executableURL = binary
        server.arguments = ["serve", "--port", "0", "--queue", "4", "--store", data.path]
        let output = Pipe(), log = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-serve-\(UUID()).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        server.standardOutput = output
        server.standardError = try FileHandle(forWritingTo: log)
        try server.run()
        defer { if server.isRunning { server.terminate() } }

        // The one stdout line names the address (port 0: the port chosen).
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        let address = try #require(text.range(of: "http://").map { String(text[$0.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines) },
                                   "no address on stdout: \(text); log: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        // The client waits for GET /ready, then runs its checks.
        let client = Process()
        client.executableURL = Self.python
        client.arguments = [URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("openai_client_check.py").path,
                            address, "\(server.processIdentifier)", key]
        let clientOutput = Pipe()
        client.standardOutput = clientOutput
        try client.run()
        let report = clientOutput.fileHandleForReading.readDataToEndOfFile()
        client.waitUntilExit()
        let result = try #require(try JSONSerialization.jsonObject(with: report) as? [String: Any],
                                  "client printed: \(String(decoding: report, as: UTF8.self))")
        let checks = try #require(result["checks"] as? [[String: Any]])
        #expect(checks.count == 10, "\(checks)")
        for check in checks {
            #expect(check["ok"] as? Bool == true, "\(check["name"] ?? ""): \(check["detail"] ?? "")")
        }
        // SIGTERM (sent by the last check) ends the server cleanly once the stream is done.
        let exitDeadline = Date().addingTimeInterval(60)
        while server.isRunning && Date() < exitDeadline { try await Task.sleep(nanoseconds: 100_000_000) }
        #expect(!server.isRunning, "the server did not exit after SIGTERM")
        if !server.isRunning {
            #expect(server.terminationStatus == 0, "log: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
        try? FileManager.default.removeItem(at: log)
    }
}
