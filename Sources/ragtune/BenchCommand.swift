import ArgumentParser
import Foundation
import RagTuneBench
import RagTuneTensor

/// `ragtune bench …`: throughput benchmarks reported against this machine's measured ceilings.
/// Each subcommand parses its flags, makes one `RagTuneBench` call and prints the report.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: throughput vs this machine's measured SGEMM peak and bandwidth.",
        subcommands: [EmbedBench.self, EmbedCorpusBench.self, DecodeBench.self, TrainBench.self, KernelBench.self, BM25Bench.self, HNSWBench.self, StoreBench.self, FuzzBench.self, FuzzWorker.self, CrashBench.self])
}

/// The thread counts of a `--threads 1,2` option.
/// - Throws: `ValidationError` for an entry that is not a whole number in 1...`ThreadLimit.maximum`.
func benchThreadCounts(_ list: String) throws -> [Int] {
    let counts = try list.split(separator: ",").map { entry -> Int in
        guard let count = Int(entry.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("--threads \(list): '\(entry)' is not a whole number")
        }
        if let problem = ThreadLimit.problem(with: count) { throw ValidationError(problem) }
        return count
    }
    guard !counts.isEmpty else { throw ValidationError("--threads: give at least one thread count, e.g. 1,2") }
    return counts
}

extension BenchLog {
    /// Progress to stderr in every mode; notes to stderr only beside the text report.
    static func standardError(json: Bool) -> BenchLog {
        BenchLog(progress: { logError($0) }, note: { if !json { logError($0) } })
    }
}

/// This `ragtune` executable, which the fuzz and crash jobs run as child processes.
var ragtuneExecutable: URL {
    Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
}
