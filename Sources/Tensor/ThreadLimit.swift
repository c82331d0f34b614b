import Foundation

/// The most worker threads RagTune accepts: 4 × the machine's logical cores (at least 4). Every
/// `--threads` option and job file is checked against it, so a typo (`--threads 100000`) is an
/// error instead of tens of thousands of spinning threads starving the machine.
public enum ThreadLimit {
    /// 4 × the logical cores this process may use, at least 4.
    public static var maximum: Int { max(4, 4 * ProcessInfo.processInfo.activeProcessorCount) }

    /// Why `count` is not a usable thread count (naming `option`), or nil when it is.
    public static func problem(with count: Int, option: String = "--threads") -> String? {
        if count < 1 { return "\(option) must be at least 1 (got \(count))" }
        if count > maximum {
            return "\(option) \(count) is more than \(maximum) (4 × the \(ProcessInfo.processInfo.activeProcessorCount) "
                + "logical cores of this machine)"
        }
        return nil
    }
}
