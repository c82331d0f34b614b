import Foundation
@testable import RagTuneServer
import Testing
import RagTuneTensor

struct ModelWorkerTests {
    @Test func runsJobsInOrderAndRefusesWhenTheLineIsFull() throws {
        let worker = ModelWorker<FakeBatch>(capacity: 2)
        defer { worker.stop() }
        let gate = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let order = ConcurrentLog<Int>()
        #expect(worker.submit { started.signal(); gate.wait(); order.append(0) })
        started.wait() // job 0 runs, the line is empty
        #expect(worker.submit { order.append(1) })
        #expect(worker.submit { order.append(2); done.signal() })
        #expect(!worker.submit { order.append(3) }, "a third waiting job must be refused")
        #expect(worker.load.waiting == 2 && worker.load.running)
        gate.signal()
        done.wait()
        #expect(order.values == [0, 1, 2])
    }

    @Test func stopRunsTheQueuedJobsThenRefuses() {
        let worker = ModelWorker<FakeBatch>(capacity: 4)
        let done = DispatchSemaphore(value: 0)
        #expect(worker.submit { Thread.sleep(forTimeInterval: 0.05) })
        #expect(worker.submit { done.signal() })
        worker.stop()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(!worker.submit {})
    }

    /// Generations join the batch while it has room and decode together; a job on the embedder
    /// runs between steps, passing generations that wait for room; a job on the decoder, and a
    /// generation for another adapter, wait for the running generations to finish; generations and
    /// decoder jobs keep their order.
    @Test func generationsBatchAndJobsTakeTheirTurn() throws {
        let log = ConcurrentLog<String>()
        let batch = FakeBatch(room: 2, log: log)
        let worker = ModelWorker<FakeBatch>(capacity: 16)
        defer { worker.stop() }
        let gate = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        #expect(worker.submit { worker.attach(batch); gate.wait() }) // holds the worker while the line fills
        #expect(worker.submit(generation: .init(name: "a", steps: 3)))
        #expect(worker.submit(generation: .init(name: "b", steps: 1)))
        #expect(worker.submit(generation: .init(name: "c", steps: 1))) // no room until b leaves
        #expect(worker.submit(usesDecoder: false) { log.append("embed") })
        #expect(worker.submit(generation: .init(name: "d", steps: 1, adapter: "x"))) // another adapter: waits for a and c
        #expect(worker.submit(usesDecoder: true) { log.append("ask") })
        #expect(worker.submit(generation: .init(name: "e", steps: 1)) )
        #expect(worker.submit(usesDecoder: true) { done.signal() })
        gate.signal()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(log.values == [
            "embed", "step a b", "b done", // a and b join; c waits for room, the embedder's job does not
            "step a c", "c done",          // c joins when b left
            "step a", "a done",
            "step d", "d done",          // d's adapter once the others are done
            "ask",                       // the decoder job once d is done
            "step e", "e done",
        ], "\(log.values)")
        #expect(worker.load.batched == 0)
        #expect(worker.widestBatch == 2, "a and b, then a and c, decoded two at a time")
    }
}

/// A decode batch that logs its steps: members leave after their number of steps.
final class FakeBatch: DecodeBatch, @unchecked Sendable {
    struct Member: Sendable {
        var name: String
        var steps: Int
        var adapter: String? = nil
    }

    let room: Int
    let log: ConcurrentLog<String>
    private var members: [Member] = []

    init(room: Int = 4, log: ConcurrentLog<String> = ConcurrentLog<String>()) {
        self.room = room
        self.log = log
    }

    var count: Int { members.count }

    func admit(_ member: Member) -> Bool {
        if let first = members.first, members.count >= room || first.adapter != member.adapter { return false }
        members.append(member)
        return true
    }

    func step() {
        log.append("step " + members.map(\.name).joined(separator: " "))
        for i in members.indices { members[i].steps -= 1 }
        for member in members where member.steps == 0 { log.append("\(member.name) done") }
        members.removeAll { $0.steps == 0 }
    }
}
