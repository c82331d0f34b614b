import Foundation

/// This process's memory use, read from `/proc/self/status` (Linux).
public struct ProcessMemory: Sendable {
    /// Resident set size now (VmRSS), bytes.
    public let residentBytes: Int
    /// Peak resident set size (VmHWM), bytes.
    public let peakResidentBytes: Int

    /// Reads the current values (0 where the kernel does not report them).
    public static func current() -> ProcessMemory {
        let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func kilobytes(_ key: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
            return Int(line.split(separator: " ").dropFirst().first ?? "0").map { $0 * 1024 } ?? 0
        }
        return ProcessMemory(residentBytes: kilobytes("VmRSS"), peakResidentBytes: kilobytes("VmHWM"))
    }

    /// Resident megabytes (10⁶ bytes), for reports.
    public var residentMB: Double { Double(residentBytes) / 1e6 }
    /// Peak resident megabytes (10⁶ bytes), for reports.
    public var peakResidentMB: Double { Double(peakResidentBytes) / 1e6 }
}
