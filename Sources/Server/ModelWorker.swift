import Foundation

/// Runs model work one job at a time on its own thread, first come first served, with a bounded
/// waiting line: the decoder and the embedder already use every core, so requests take turns
/// instead of slowing each other down, and a full line is refused at once (503) instead of
/// piling up. The thread has a large stack for the model code.
final class ModelWorker: @unchecked Sendable {
    /// Jobs that may wait while one runs.
    let capacity: Int
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var running = false
    private var stopping = false

    init(capacity: Int) {
        self.capacity = capacity
        let thread = Thread { [self] in loop() }
        thread.name = "ragtune-model-worker"
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Jobs waiting, and whether one is running.
    var load: (waiting: Int, running: Bool) {
        condition.lock()
        defer { condition.unlock() }
        return (jobs.count, running)
    }

    /// Queues `job`; false when the line is full (or the worker has been stopped).
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, jobs.count < capacity || (!running && jobs.isEmpty) else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Ends the thread once the jobs already queued have run; later submissions are refused.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            running = true
            condition.unlock()
            job()
            condition.lock()
            running = false
            condition.unlock()
        }
    }
}

/// A flag one side sets and the other polls (a streaming client that has gone, a request whose
/// task was cancelled).
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func cancel() {
        lock.lock()
        value = true
        lock.unlock()
    }
}
