import Foundation
import Testing
@testable import RagTuneTensor

@Suite struct WorkerPoolTests {
    @Test func everyRangeRunsOnceAcrossManyJobs() {
        let pool = WorkerPool(threads: 2)
        var hits = [Int](repeating: 0, count: 1000)
        hits.withUnsafeMutableBufferPointer { h in
            let base = h.baseAddress!
            for _ in 0..<500 {
                pool.forRanges(count: 1000) { range in for i in range { base[i] += 1 } }
            }
        }
        #expect(hits.allSatisfy { $0 == 500 })
    }

    @Test func workersWakeAfterSleepingAndPoolsShutDown() {
        for _ in 0..<3 {
            let pool = WorkerPool(threads: 3)
            var seen = [Int](repeating: 0, count: 3)
            usleep(20_000) // long enough for the workers to go to sleep
            seen.withUnsafeMutableBufferPointer { s in
                let base = s.baseAddress!
                pool.run { base[$0] += 1 }
            }
            #expect(seen == [1, 1, 1])
        }
    }
}
