import ArgumentParser
import Foundation
import RagTuneBench

/// `ragtune bench fuzz-worker` (hidden): runs cases `from..<to` of one format (`FuzzWorkerJob`) and
/// writes one line per finished case on stdout: `i a` accepted, `i e` refused with a descriptive
/// error, `i u MESSAGE` refused with an undescriptive one, `i v MESSAGE` accepted with a violated property.
struct FuzzWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz-worker", abstract: "Runs a range of fuzz cases of one format (used by `bench fuzz`).",
        shouldDisplay: false)

    @Option var format: String
    @Option var seed: UInt64 = 1
    @Option var from: Int = 0
    @Option var to: Int = 0
    @Option(help: "Write each case's input into this folder instead of running it.")
    var dump: String?
    @Flag(help: "Print every error message, not only undescriptive ones.")
    var verbose = false
    @Option(help: "Run this saved input (e.g. a crash input `bench fuzz` saved) instead of generated cases.")
    var input: String?

    func validate() throws {
        guard from >= 0, to >= from else { throw ValidationError("give 0 ≤ --from ≤ --to") }
    }

    func run() throws {
        guard let format = FuzzFormat(rawValue: format) else { throw ValidationError("unknown format '\(self.format)'") }
        FuzzWorkerJob.limitAddressSpace()
        let job = try FuzzWorkerJob(format: format, seed: seed)
        if let dump {
            try job.dump(from..<to, into: URL(fileURLWithPath: dump))
        } else if let input {
            print("violations: \(try job.replay(URL(fileURLWithPath: input)))")
        } else {
            // Unbuffered: the parent reads progress from the file while this process runs, and a
            // trap must not lose the lines of the cases before it.
            try job.run(from..<to, verbose: verbose) { FileHandle.standardOutput.write(Data($0.utf8)) }
        }
    }
}
