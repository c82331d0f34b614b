import Foundation
import RagTuneTestSupport
import Testing

/// A live `ragtune serve` under load and abuse (`load_check.py`): a burst of 64 streams, SIGTERM
/// while uploads and streams run, and 10,000 malformed requests.
@Suite(.serialized, .needsSmolLM2, .needsMiniLM)
struct LoadTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("load_check.py")
    static var runnable: Bool { (LiveServerTests.hasClients && LiveServerTests.binary != nil) || TestServer.required }

    private func report(_ output: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "load_check.py printed: \(output)")
    }

    /// 64 concurrent streaming chats (16 decode together, the rest wait in the line of 64): every
    /// one completes or is a documented 429, and memory stays bounded.
    @Test(.enabled(if: runnable, Comment(rawValue: LiveServerTests.skip)))
    func aBurstOf64StreamsCompletesWithBoundedMemory() throws {
        let server = try LiveServer(try #require(LiveServerTests.binary), arguments: ["--requests-per-minute", "0"])
        defer { server.stop() }
        let (_, output) = try server.run("python", [Self.script.path, "burst", server.address, server.key,
                                                    "\(server.process.processIdentifier)", "64"])
        let result = try report(output)
        let statuses = try #require(result["statuses"] as? [String: Int])
        #expect(Set(statuses.keys).isSubset(of: ["200", "429"]), "only completions and documented 429s: \(statuses)")
        #expect(statuses["200", default: 0] >= 16, "\(statuses)")
        #expect((result["incomplete_streams"] as? [Int])?.isEmpty == true, "streams cut short: \(output)")
        let peak = try #require(result["peak_rss_mb"] as? Double)
        #expect(peak < 2048, "peak RSS \(peak) MB")
        print("burst of 64 streams: \(output)")
    }

    /// SIGTERM while documents upload during a burst of 64 streams: the streams the server took
    /// finish, the server exits, and every upload it acknowledged is in the collection when it is
    /// served again.
    @Test(.enabled(if: runnable, Comment(rawValue: LiveServerTests.skip)))
    func sigtermDuringUploadsLosesNoAcknowledgedDocument() async throws {
        let binary = try #require(LiveServerTests.binary)
        let server = try LiveServer(binary, arguments: ["--requests-per-minute", "0"])
        defer { try? FileManager.default.removeItem(atPath: server.store) }
        defer { server.stop() }
        let (_, output) = try server.run("python", [Self.script.path, "drain", server.address, server.key,
                                                    "\(server.process.processIdentifier)"])
        let result = try report(output)
        #expect(result["exited"] as? Bool == true, "the server did not exit after SIGTERM: \(server.logText.suffix(2000))")
        let streams = try #require(result["streams"] as? [[String: Any]])
        let taken = streams.filter { $0["status"] as? Int == 200 }
        #expect(taken.count >= 16, "\(streams)")
        #expect(taken.allSatisfy { $0["complete"] as? Bool == true }, "streams in flight at SIGTERM finish: \(streams)")
        let acknowledged = try #require(result["acknowledged"] as? [String])
        #expect(acknowledged.count >= 8)
        while server.process.isRunning { try await Task.sleep(nanoseconds: 100_000_000) }

        let again = try LiveServer(binary, store: server.store)
        defer { again.stop() }
        let (_, listed) = try again.run("python", ["-c", """
            import json, sys, time, urllib.request
            for _ in range(600):
                try:
                    if json.load(urllib.request.urlopen(sys.argv[1] + "/ready"))["status"] == "ready": break
                except Exception: pass
                time.sleep(0.2)
            request = urllib.request.Request(sys.argv[1] + "/v1/collections/drain/documents",
                                             headers={"Authorization": "Bearer " + sys.argv[2]})
            print(json.dumps([d["id"] for d in json.load(urllib.request.urlopen(request))["data"]]))
            """, again.address, again.key])
        let stored = Set(try #require(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String], "listed: \(listed)"))
        #expect(Set(acknowledged).isSubset(of: stored), "acknowledged but missing: \(Set(acknowledged).subtracting(stored))")
        print("SIGTERM during uploads: \(acknowledged.count) acknowledged, all stored; \(stored.count) stored")
    }

    /// 10,000 malformed requests (broken and truncated JSON, wrong types, invalid UTF-8, deep
    /// nesting, unknown models, collections and jobs, bad keys, wrong methods, 10 MB prompts): each
    /// gets a 4xx with an OpenAI-shaped error body (or a 2xx when a mutation happens to be valid),
    /// none a 5xx or a dropped connection, and `/health` answers after.
    @Test(.enabled(if: runnable, Comment(rawValue: LiveServerTests.skip)))
    func tenThousandMalformedRequestsGetClearErrors() throws {
        let server = try LiveServer(try #require(LiveServerTests.binary),
                                    arguments: ["--requests-per-minute", "0", "--max-tokens-limit", "1"])
        defer { server.stop() }
        let (_, output) = try server.run("python", [Self.script.path, "fuzz", server.address, server.key, "10000"])
        let result = try report(output)
        #expect(result["sent"] as? Int == 10000, "\(output)")
        #expect(result["connection_failures"] as? Int == 0, "\(output)")
        #expect((result["server_errors"] as? [Any])?.isEmpty == true, "\(output)")
        #expect((result["bad_error_bodies"] as? [Any])?.isEmpty == true, "\(output)")
        #expect(result["health_after"] as? Int == 200)
        let byStatus = try #require(result["by_status"] as? [String: Int])
        #expect(byStatus.keys.allSatisfy { $0.hasPrefix("2") || $0.hasPrefix("4") }, "\(byStatus)")
        print("fuzz: \(output)")
    }
}

typealias LiveServer = LiveServerTests.LiveServer
