import Foundation

/// Generations that decode together on the worker thread, one step at a time
/// (`ServedBatch`: continuous batching on the decoder). Used only on the worker thread.
protocol DecodeBatch: AnyObject {
    associatedtype Member
    /// Generations in the batch (steps are due while it is above 0).
    var count: Int { get }
    /// Takes `member` into the batch (it runs from the next step on), or returns false when it
    /// must wait: no room, or it needs another adapter than the generations running.
    func admit(_ member: Member) -> Bool
    /// One decode step of every generation in the batch; finished ones leave.
    func step()
}

/// The one thread that runs model work, in arrival order, with a bounded waiting line. Two kinds
/// of work: generations, which join the decode batch at a step boundary as soon as it has room
/// (continuous batching) and leave when they end, and jobs, which run between steps (embeddings,
/// ingest) or, when they use the decoder (RAG answers, an adapter switch), once the running
/// generations have finished. Generations and decoder jobs keep their order; a job that does not
/// use the decoder may pass generations waiting for room in the batch (it does not compete for
/// it), so embeddings and uploads do not wait for a burst of completions. A full line is refused
/// at once (429 `server_busy`) instead of piling up. The thread has a large stack for the model code.
final class ModelWorker<Batch: DecodeBatch>: @unchecked Sendable {
    /// Work that may wait while the batch and a job run.
    let capacity: Int

    private enum Work {
        case job(@Sendable () -> Void, usesDecoder: Bool)
        case generation(Batch.Member)
    }

    private let condition = NSCondition()
    private var waiting: [Work] = []
    private var batch: Batch?
    private var runningJob = false
    private var batched = 0 {
        didSet { widest = max(widest, batched) }
    }
    private var widest = 0
    private var stopping = false

    init(capacity: Int) {
        self.capacity = capacity
        let thread = Thread { [self] in loop() }
        thread.name = "ragtune-model-worker"
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Work waiting, whether a job or a step is running, and the generations in the batch.
    var load: (waiting: Int, running: Bool, batched: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (waiting.count, runningJob || batched > 0, batched)
    }

    /// The most generations the batch has held at once since the worker started.
    var widestBatch: Int {
        condition.lock()
        defer { condition.unlock() }
        return widest
    }

    /// Sets the batch generations join (from a job, so on the worker thread: the loading job).
    func attach(_ batch: Batch) {
        condition.lock()
        self.batch = batch
        condition.unlock()
    }

    /// Queues `job`; false when the line is full (or the worker has been stopped).
    /// - Parameter usesDecoder: the job waits for the running generations to finish (it shares
    ///   the decoder's weights, adapter or session with them); otherwise it runs between two steps.
    func submit(usesDecoder: Bool = true, _ job: @escaping @Sendable () -> Void) -> Bool {
        enqueue(.job(job, usesDecoder: usesDecoder))
    }

    /// Queues a generation for the batch; false when the line is full (or the worker has been stopped).
    func submit(generation member: Batch.Member) -> Bool {
        enqueue(.generation(member))
    }

    /// Ends the thread once the work already queued and the running generations are done; later
    /// submissions are refused.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func enqueue(_ work: Work) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let idle = !runningJob && batched == 0 && waiting.isEmpty
        guard !stopping, waiting.count < capacity || idle else { return false }
        waiting.append(work)
        condition.signal()
        return true
    }

    private func loop() {
        while true {
            condition.lock()
            while waiting.isEmpty && batched == 0 && !stopping { condition.wait() }
            if waiting.isEmpty && batched == 0 {
                condition.unlock()
                return
            }
            // Take, in order, what can start now: generations while the batch admits them, then
            // at most one job (one that uses the decoder only once no generation runs), else the
            // first job further down that does not use the decoder.
            var job: (@Sendable () -> Void)?
            admitting: while let head = waiting.first {
                switch head {
                case .generation(let member):
                    guard let batch, batch.admit(member) else { break admitting }
                    waiting.removeFirst()
                    batched = batch.count
                case .job(let body, let usesDecoder):
                    if usesDecoder && batched > 0 { break admitting }
                    waiting.removeFirst()
                    job = body
                    break admitting
                }
            }
            if job == nil, let i = waiting.firstIndex(where: { if case .job(_, false) = $0 { true } else { false } }),
               case .job(let body, _) = waiting.remove(at: i) {
                job = body
            }
            runningJob = job != nil
            condition.unlock()
            job?()
            if let batch, batch.count > 0 { batch.step() }
            condition.lock()
            runningJob = false
            batched = batch?.count ?? 0
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
