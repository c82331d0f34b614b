import Foundation
@testable import RagTuneServer
import Testing

struct ModelWorkerTests {
    @Test func runsJobsInOrderAndRefusesWhenTheLineIsFull() throws {
        let worker = ModelWorker(capacity: 2)
        defer { worker.stop() }
        let gate = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let order = LockedList()
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
        let worker = ModelWorker(capacity: 4)
        let done = DispatchSemaphore(value: 0)
        #expect(worker.submit { Thread.sleep(forTimeInterval: 0.05) })
        #expect(worker.submit { done.signal() })
        worker.stop()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(!worker.submit {})
    }
}

final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int] = []
    func append(_ value: Int) { lock.lock(); items.append(value); lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return items }
}
