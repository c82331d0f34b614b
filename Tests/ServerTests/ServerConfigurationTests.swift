import Foundation
@testable import RagTuneServer
import Testing

struct ServerConfigurationTests {
    private func file(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-serve-\(UUID().uuidString).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func fileThenEnvironmentThenDefaults() throws {
        let path = try file("""
            port: 9000
            threads: 1
            batch_size: 4
            log_content: true
            adapters:
              qa: /tmp/qa-adapter
            """)
        var settings = try ServerConfiguration.load(file: path)
        #expect(settings.port == 9000 && settings.threads == 1 && settings.logContent)
        #expect(settings.host == "127.0.0.1" && settings.queue == 64 && settings.batchSize == 4)
        try settings.apply(environment: ["RAGTUNE_SERVE_PORT": "9100", "RAGTUNE_SERVE_LOG_CONTENT": "0", "RAGTUNE_SERVE_BATCH_SIZE": "8",
                                         "RAGTUNE_SERVE_ADAPTERS": "docs=/tmp/docs.gguf, more = /tmp/more",
                                         "UNRELATED": "x"])
        #expect(settings.port == 9100 && !settings.logContent && settings.threads == 1 && settings.batchSize == 8)
        #expect(settings.adapters == ["qa": "/tmp/qa-adapter", "docs": "/tmp/docs.gguf", "more": "/tmp/more"])
        try settings.validate()
    }

    @Test func unknownKeysAndWrongTypesNameTheFileAndKey() throws {
        let typo = try file("prot: 9000\n")
        #expect(throws: ServerConfigurationError.self) { try ServerConfiguration.load(file: typo) }
        do {
            _ = try ServerConfiguration.load(file: typo)
        } catch {
            #expect("\(error)".contains(typo) && "\(error)".contains("unknown key 'prot'"))
        }
        let wrong = try file("port: eighty\n")
        do {
            _ = try ServerConfiguration.load(file: wrong)
            Issue.record("a port that is not a number was accepted")
        } catch {
            #expect("\(error)".contains(wrong) && "\(error)".contains("port"))
        }
        #expect(throws: ServerConfigurationError.self) { try ServerConfiguration.load(file: "/nonexistent/serve.yaml") }
        #expect(try ServerConfiguration.load(file: try file("")) == ServerConfiguration())
    }

    @Test func badValuesAreErrorsNamingTheSetting() throws {
        var settings = ServerConfiguration()
        #expect(throws: ServerConfigurationError.invalid("RAGTUNE_SERVE_PORT=http is not an integer")) {
            try settings.apply(environment: ["RAGTUNE_SERVE_PORT": "http"])
        }
        #expect(throws: ServerConfigurationError.self) { try settings.apply(environment: ["RAGTUNE_SERVE_ADAPTERS": "noequals"]) }
        settings.port = 70_000
        #expect(throws: ServerConfigurationError.invalid("port 70000 is not in 0...65535")) { try settings.validate() }
        settings = ServerConfiguration()
        settings.batchSize = 0
        #expect(throws: ServerConfigurationError.invalid("batch_size 0 is not in 1...256")) { try settings.validate() }
        settings = ServerConfiguration()
        settings.adapters = ["bad name": "/x"]
        #expect(throws: ServerConfigurationError.self) { try settings.validate() }
        settings = ServerConfiguration()
        settings.maxRequestBytes = 10
        #expect(throws: ServerConfigurationError.self) { try settings.validate() }
    }
}
