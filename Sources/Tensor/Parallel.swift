import Dispatch

/// A small parallel-for over a fixed number of worker threads (the machines have 2 cores).
public enum Parallel {
    /// Splits `0..<count` into `threads` contiguous ranges and runs `body` on each, in parallel.
    /// Runs inline when `threads <= 1` or the work is tiny. `body` must only write disjoint data.
    public static func forRanges(count: Int, threads: Int, minimumPerThread: Int = 1,
                                 _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = max(1, min(threads, count / max(1, minimumPerThread)))
        if workers == 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let work = UnsafeTransfer(value: body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let share = WorkerPool.share(of: count, worker: w, workers: workers)
                if !share.isEmpty { work.value(share) }
            }
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, spread over `threads` workers in contiguous chunks.
    public static func forEach(count: Int, threads: Int, _ body: (Int) -> Void) {
        forRanges(count: count, threads: threads) { range in
            for i in range { body(i) }
        }
    }
}
