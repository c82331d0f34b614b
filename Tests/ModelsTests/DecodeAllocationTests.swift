import AllocationCounting
import Testing
import RagTuneModelFiles
@testable import RagTuneModels

/// The heap allocations `body` makes on the calling thread.
private func allocations(_ body: () throws -> Void) rethrows -> Int {
    rt_allocation_counting_begin()
    defer { _ = rt_allocation_counting_end() }
    try body()
    return rt_allocation_counting_end()
}

/// A decode step allocates nothing once the session's buffers are sized: every token of every
/// `ask`, `eval qa` and `compare` answer goes through it.
@Suite struct DecodeAllocationTests {
    @Test(arguments: [DecodePrecision.int8, .exact])
    func aDecodeStepAllocatesNothing(precision: DecodePrecision) throws {
        let model = try LlamaModel(gguf: GGUFFile(bytes: LlamaLoadingTests.tinyModel(), name: "tiny.gguf"))
        // Allocations are counted on this thread; at 1 thread the pool runs its jobs here. (With more
        // threads, `WorkerPool.run` hands each parallel region to the workers through
        // `withoutActuallyEscaping`, which allocates the closure's context once per region.)
        let session = LlamaSession(model: model, threads: 1, precision: precision)
        var logits: [Float] = []
        _ = try session.evaluate([1, 5, 9])
        try session.evaluateNext(13, into: &logits) // sizes the one-row buffers and the logits
        let steps = try allocations {
            for id in 0..<16 { try session.evaluateNext(id, into: &logits) }
        }
        #expect(steps == 0, "\(precision): \(steps) allocations in 16 decode steps")
        #expect(logits.count == model.config.vocabularySize && session.tokens.count == 20)
        // The same logits as `evaluate`, one id at a time.
        let other = LlamaSession(model: model, threads: 1, precision: precision)
        _ = try other.evaluate([1, 5, 9])
        for id in [13] + Array(0..<16) { _ = try other.evaluate([id]) }
        let last = try other.evaluate([7])[0]
        try session.evaluateNext(7, into: &logits)
        #expect(zip(last, logits).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) })
        // The counter sees an allocation.
        #expect(allocations { _ = [Float](repeating: 1, count: 1000) } >= 1)
    }
}
