import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time this process has used, user plus system, across all its threads (`getrusage`).
public enum ProcessCPUTime {
    /// Seconds of CPU used so far (0 where the kernel does not report it).
    public static func seconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        let who = RUSAGE_SELF.rawValue
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
