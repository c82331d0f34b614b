import Foundation
import HummingbirdTesting
import Hummingbird
import NIOCore
import RagTuneModels
@testable import RagTuneServer
import RagTuneTestSupport
import RagTuneTokenizers
import Testing

/// Continuous batching behind the completion routes: concurrent requests decode together and each
/// gets what it gets alone; a full line is a 429 the client can retry.
@Suite(.serialized, .needsSmolLM2, .needsMiniLM)
struct BatchingRouteTests {
    static let questions = ["Name one primary colour.", "What is two plus two?", "Say hello in French.",
                            "Name a planet of the solar system."]

    @Test func concurrentCompletionsDecodeTogetherAndMatchTheirSoloReplies() async throws {
        // Float32 products: each row's sums are the same whatever else shares the step.
        let server = try makeServer { $0.exact = true }
        defer { server.shutdown() }
        try await server.waitUntilReady()
        let generator = try TextGenerator(threads: 2, precision: .exact)
        let expected = try Self.questions.map { question in
            generator.session.reset()
            return try generator.chat([ChatMessage(role: "user", content: question)], sampling: .greedy,
                                      stop: StopCondition(maxTokens: 16)).text
        }
        // A job holds the worker until all four requests wait, so they join the batch together
        // however the machine schedules the request tasks.
        let gate = DispatchSemaphore(value: 0)
        try server.host.submit { _ in gate.wait() }
        let releaser = Task {
            for _ in 0..<6000 where server.host.load.waiting < Self.questions.count {
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
            gate.signal()
        }
        let replies = try await withClient(server) { client in
            try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for (i, question) in Self.questions.enumerated() {
                    group.addTask {
                        let response = try await post(client, "/v1/chat/completions", """
                            {"model":"smollm2","messages":[{"role":"user","content":"\(question)"}],"temperature":0,"max_tokens":16}
                            """)
                        let choice = (try object(response)["choices"] as? [[String: Any]])?.first
                        return (i, (choice?["message"] as? [String: Any])?["content"] as? String)
                    }
                }
                var replies = [String?](repeating: nil, count: Self.questions.count)
                for try await (i, text) in group { replies[i] = text }
                return replies
            }
        }
        _ = await releaser.value
        #expect(replies == expected.map { Optional($0) })
        // The worker's own high-water mark: a watcher task sampling the load could miss the steps
        // on a busy machine (it saw 0 once while the worker's threads held both cores).
        #expect(server.host.widestBatch >= 2, "the requests decoded together (widest batch: \(server.host.widestBatch))")
    }

    @Test func aFullLineIs429WithRetryAfter() async throws {
        let server = try makeServer { $0.queue = 1; $0.batchSize = 1 }
        defer { server.shutdown() }
        try await server.waitUntilReady()
        // A job holds the worker: the first request takes the one place in the line, the other
        // three must be refused at once; then the job lets the first run.
        let gate = DispatchSemaphore(value: 0), answered = Counter()
        try server.host.submit { _ in gate.wait() }
        let releaser = Task {
            for _ in 0..<6000 where answered.value < 3 { try? await Task.sleep(nanoseconds: 10_000_000) }
            gate.signal()
        }
        let statuses = try await withClient(server) { client in
            try await withThrowingTaskGroup(of: (Int, String?, String?).self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let response = try await post(client, "/v1/chat/completions", """
                            {"model":"smollm2","messages":[{"role":"user","content":"Count to twenty."}],"max_tokens":40}
                            """)
                        answered.increment()
                        let code = response.status == .tooManyRequests ? (try? errorFields(response))?["code"] as? String : nil
                        return (Int(response.status.code), response.headers[.retryAfter], code)
                    }
                }
                var statuses: [(Int, String?, String?)] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
        }
        _ = await releaser.value
        #expect(statuses.allSatisfy { $0.0 == 200 || $0.0 == 429 }, "\(statuses)")
        let refused = statuses.filter { $0.0 == 429 }
        #expect(refused.count == 3, "one waiting: the others are refused")
        #expect(refused.allSatisfy { $0.1 == "1" && $0.2 == "server_busy" }, "\(refused)")
        #expect(statuses.contains { $0.0 == 200 })
    }
}

/// A counter shared by tasks.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
