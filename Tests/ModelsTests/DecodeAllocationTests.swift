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

    /// The server's batched step (`evaluate(batch:into:)`, as `BatchedGenerator` runs it): three
    /// or six sequences (six take the exact path's dequantize + SGEMM), one new id each, allocate
    /// nothing once the buffers have room, and give `evaluate(batch:)`'s logits.
    @Test(arguments: [DecodePrecision.int8, .exact], [(threads: 1, sequences: 3), (2, 3), (2, 6)])
    func aBatchedDecodeStepAllocatesNothing(precision: DecodePrecision, shape: (threads: Int, sequences: Int)) throws {
        let model = try LlamaModel(gguf: GGUFFile(bytes: LlamaLoadingTests.tinyModel(), name: "tiny.gguf"))
        try checkBatchedSteps(model, precision: precision, threads: shape.threads, count: shape.sequences)
    }

    /// The same on SmolLM2, whose matrices are large enough for both workers to take a share of
    /// each dequantize + SGEMM product (the tiny model's run on one worker).
    @Test(.needsSmolLM2) func anExactBatchOfSixOnSmolLM2AllocatesNothing() throws {
        try checkBatchedSteps(try LlamaTests.model.get(), precision: .exact, threads: 2, count: 6)
    }

    private func checkBatchedSteps(_ model: LlamaModel, precision: DecodePrecision, threads: Int, count: Int) throws {
        let vocabulary = model.config.vocabularySize
        let session = LlamaSession(model: model, threads: threads, precision: precision)
        let prompts = Array([[1, 5, 9], [2, 4], [3, 6, 8, 10], [11, 12], [7], [14, 15, 16]].prefix(count))
        var batch = prompts.map { (sequence: session.makeSequence(), ids: $0) }
        var logits: [Float] = []
        func advance() {   // each sequence's next id (its row's argmax), written into the batch's own arrays
            for i in batch.indices {
                var best = 0
                for t in 1..<vocabulary where logits[i * vocabulary + t] > logits[i * vocabulary + best] { best = t }
                batch[i].ids.removeAll(keepingCapacity: true)
                batch[i].ids.append(best)
            }
        }
        try session.evaluate(batch: batch, into: &logits)
        advance()
        try session.evaluate(batch: batch, into: &logits)   // sizes the buffers for three one-id rows
        var steps = [Int](repeating: 0, count: 16 * count)   // each counted step's ids, to replay on another session
        let counted = try allocations(on: session.pool) {
            for step in 0..<16 {
                advance()
                for i in 0..<count { steps[step * count + i] = batch[i].ids[0] }
                try session.evaluate(batch: batch, into: &logits)
            }
        }
        #expect(counted == 0, "\(precision), \(threads) threads, \(count) sequences: \(counted) allocations in 16 batched steps")
        #expect(logits.count == count * vocabulary && batch.indices.allSatisfy { batch[$0].sequence.tokens.count == prompts[$0].count + 17 })
        // The same ids through evaluate(batch:) on a fresh session give the same logits rows.
        let other = LlamaSession(model: model, threads: threads, precision: precision)
        let sequences = prompts.map { _ in other.makeSequence() }
        _ = try other.evaluate(batch: Array(zip(sequences, prompts)))
        let firstStep = zip(batch, sequences).map { member, sequence in (sequence, [member.sequence.tokens[sequence.tokens.count]]) }
        var rows = try other.evaluate(batch: firstStep)
        for step in 0..<16 {
            rows = try other.evaluate(batch: sequences.indices.map { (sequences[$0], [steps[step * count + $0]]) })
        }
        for i in 0..<count {
            let row = logits[i * vocabulary..<(i + 1) * vocabulary]
            #expect(zip(rows[i], row).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) }, "row \(i)")
        }
    }
}
