import AllocationCounting
import Testing
import RagTuneModelFiles
import RagTuneTensor
@testable import RagTuneModels

/// The heap allocations `body` makes on every thread of `pool` (the calling thread is its worker 0).
private func allocations(on pool: WorkerPool, _ body: () throws -> Void) rethrows -> Int {
    /// Starts (or ends, adding up the counts) counting on each worker's own thread.
    struct Counting: WorkerJob {
        let begin: Bool, counts: UnsafeMutablePointer<Int>
        func run(worker: Int) {
            if begin { rt_allocation_counting_begin() } else { counts[worker] = rt_allocation_counting_end() }
        }
    }
    let counts = UnsafeMutablePointer<Int>.allocate(capacity: pool.threadCount)
    counts.initialize(repeating: 0, count: pool.threadCount)
    defer { counts.deallocate() }
    pool.run(Counting(begin: true, counts: counts))
    try body()
    pool.run(Counting(begin: false, counts: counts))
    return UnsafeBufferPointer(start: counts, count: pool.threadCount).reduce(0, +)
}

/// A decode step allocates nothing once the session's buffers are sized: every token of every
/// `ask`, `eval qa` and `compare` answer goes through it.
@Suite struct DecodeAllocationTests {
    @Test(arguments: [DecodePrecision.int8, .exact], [1, 2])
    func aDecodeStepAllocatesNothing(precision: DecodePrecision, threads: Int) throws {
        let model = try LlamaModel(gguf: GGUFFile(bytes: LlamaLoadingTests.tinyModel(), name: "tiny.gguf"))
        // Counted on every thread of the session's pool: its parallel regions are `WorkerJob`s,
        // handed to the workers without an allocation.
        let session = LlamaSession(model: model, threads: threads, precision: precision)
        var logits: [Float] = []
        _ = try session.evaluate([1, 5, 9])
        try session.evaluateNext(13, into: &logits) // sizes the one-row buffers and the logits
        let steps = try allocations(on: session.pool) {
            for id in 0..<16 { try session.evaluateNext(id, into: &logits) }
        }
        #expect(steps == 0, "\(precision), \(threads) threads: \(steps) allocations in 16 decode steps")
        #expect(logits.count == model.config.vocabularySize && session.tokens.count == 20)
        // The same logits as `evaluate`, one id at a time.
        let other = LlamaSession(model: model, threads: threads, precision: precision)
        _ = try other.evaluate([1, 5, 9])
        for id in [13] + Array(0..<16) { _ = try other.evaluate([id]) }
        let last = try other.evaluate([7])[0]
        try session.evaluateNext(7, into: &logits)
        #expect(zip(last, logits).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) })
        // The counter sees an allocation.
        #expect(allocations(on: session.pool) { _ = [Float](repeating: 1, count: 1000) } >= 1)
    }
}
