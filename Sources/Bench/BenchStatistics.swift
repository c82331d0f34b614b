import Foundation

/// The small statistics and clocks every benchmark shares.
public enum BenchStatistics {
    /// The middle of the measured rounds (the upper one of an even count; 0 for none).
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    /// Wall-clock seconds `body` takes.
    public static func seconds(_ body: () throws -> Void) rethrows -> Double {
        try timed(body).seconds
    }

    /// Wall-clock seconds `body` takes, and what it returned.
    public static func timed<T>(_ body: () throws -> T) rethrows -> (seconds: Double, value: T) {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, value)
    }

    /// User + system CPU time of this process, all threads, in seconds.
    public static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
