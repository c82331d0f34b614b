import Foundation
import Synchronization

/// Persistent worker threads for many small parallel regions in a row (the decoder runs ~250 per
/// token). Between jobs the workers spin for a short while, then sleep on a condition variable,
/// so handing out a job costs well under a microsecond when work keeps coming — waking Dispatch
/// workers for each region costs more than the region itself.
///
/// One owner submits jobs; `run` returns when every worker has finished. The pool and its state
/// are the Tensor module's other `@unchecked Sendable`s: the job slot is written only while no
/// worker reads it (before the epoch is published with release ordering, after all workers have
/// checked in).
public final class WorkerPool: @unchecked Sendable {
    /// Threads that run a job, the caller's included.
    public let threadCount: Int
    /// What the workers share with the owner. Each worker thread holds it strongly, so a pool
    /// released before its threads have even started never leaves them a dangling reference.
    private let shared: WorkerPoolState

    /// Starts `threads - 1` workers (none for 1 thread: jobs then run inline).
    public init(threads: Int) {
        threadCount = max(1, threads)
        shared = WorkerPoolState()
        for worker in 1..<threadCount {
            let thread = Thread { [shared] in shared.workerLoop(worker) }
            thread.name = "ragtune-worker-\(worker)"
            thread.start()
        }
    }

    deinit {
        shared.stop()
    }

    /// Runs `body(worker)` for worker in 0..<threadCount, in parallel, and waits for all of them.
    /// Handing the closure to the workers allocates its context once per call (about a microsecond
    /// at most); a region run for every decoded token uses `run(_: WorkerJob)`, which allocates nothing.
    public func run(_ body: (Int) -> Void) {
        guard threadCount > 1 else { return body(0) }
        withoutActuallyEscaping(body) { body in
            shared.publish(.closure(body), workers: threadCount - 1)
            body(0)
            shared.waitForWorkers()
        }
    }

    /// Runs `job.run(worker:)` for worker in 0..<threadCount, in parallel, and waits for all of them.
    /// The workers read the caller's `job` through a pointer and its type, so nothing is allocated.
    public func run<Job: WorkerJob>(_ job: Job) {
        guard threadCount > 1 else { return job.run(worker: 0) }
        withUnsafePointer(to: job) { pointer in
            shared.publish(.job(UnsafeRawPointer(pointer), Job.self), workers: threadCount - 1)
            pointer.pointee.run(worker: 0)
            shared.waitForWorkers()
        }
    }

    /// Splits `0..<count` into one contiguous range per thread (fewer when each would get less
    /// than `minimumPerThread`) and runs `body` on each in parallel.
    public func forRanges(count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = max(1, min(threadCount, count / max(1, minimumPerThread)))
        if workers == 1 { return body(0..<count) }
        run { w in
            guard w < workers else { return }
            let share = Self.share(of: count, worker: w, workers: workers)
            if !share.isEmpty { body(share) }
        }
    }

    /// Worker `worker`'s part of `0..<count` split among `workers`: contiguous, nearly equal, the
    /// parts in worker order covering it once (empty when there are more workers than items).
    @inline(__always)
    public static func share(of count: Int, worker: Int, workers: Int) -> Range<Int> {
        count * worker / workers..<count * (worker + 1) / workers
    }
}

/// A parallel region's work for `WorkerPool.run(_:)`: a value (its inputs and outputs as fields)
/// whose `run(worker:)` does worker `worker`'s share, 0 being the calling thread. Unlike a closure,
/// it reaches the workers without allocating: hot regions (every decoded token's) are jobs.
public protocol WorkerJob {
    /// Worker `worker`'s share of the work (of `WorkerPool.threadCount`).
    func run(worker: Int)
}

extension WorkerJob {
    /// Runs the job stored at `pointer` (a `Self`) as `worker`.
    fileprivate static func run(at pointer: UnsafeRawPointer, worker: Int) {
        pointer.assumingMemoryBound(to: Self.self).pointee.run(worker: worker)
    }
}

/// What the workers run: a closure made escaping for the region, or a job read in place.
private enum PoolTask {
    case closure((Int) -> Void)
    case job(UnsafeRawPointer, any WorkerJob.Type)

    func run(worker: Int) {
        switch self {
        case .closure(let body): body(worker)
        case .job(let pointer, let type): type.run(at: pointer, worker: worker)
        }
    }
}

/// The job slot, epoch counter and sleep/wake machinery behind a `WorkerPool`, owned jointly by
/// the pool and its worker threads; freed when the last of them lets go.
private final class WorkerPoolState: @unchecked Sendable {
    private let epoch = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let condition = NSCondition()
    private var sleepers = 0 // guarded by `condition`
    private var task: PoolTask? // written only while no worker reads it
    /// Spins before a worker goes to sleep (≈50 µs).
    private static let spinLimit = 20_000

    /// Hands `task` to `workers` workers: it is stored before the epoch is published with
    /// release ordering, so a worker that sees the new epoch sees it.
    func publish(_ task: PoolTask, workers: Int) {
        self.task = task
        pending.store(workers, ordering: .relaxed)
        epoch.add(1, ordering: .releasing)
        condition.lock()
        if sleepers > 0 { condition.broadcast() }
        condition.unlock()
    }

    /// Spins until every worker has checked in, then clears the task (the caller's closure or job
    /// must not outlive `run`).
    func waitForWorkers() {
        while pending.load(ordering: .acquiring) > 0 {}
        task = nil
    }

    /// Tells the workers to exit and wakes the sleeping ones.
    func stop() {
        stopping.store(true, ordering: .releasing)
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    func workerLoop(_ worker: Int) {
        var seen = 0
        while true {
            var spins = 0
            while epoch.load(ordering: .acquiring) == seen && !stopping.load(ordering: .acquiring) {
                spins += 1
                if spins < Self.spinLimit { continue }
                condition.lock()
                sleepers += 1
                while epoch.load(ordering: .acquiring) == seen && !stopping.load(ordering: .acquiring) {
                    condition.wait()
                }
                sleepers -= 1
                condition.unlock()
            }
            if stopping.load(ordering: .acquiring) { return }
            seen = epoch.load(ordering: .acquiring)
            task?.run(worker: worker)
            pending.subtract(1, ordering: .releasing)
        }
    }
}
