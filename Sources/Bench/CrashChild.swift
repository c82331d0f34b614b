import Foundation

/// Runs `ragtune` children: to completion, or killed with SIGKILL at a chosen moment.
public struct CrashChild: Sendable {
    /// The `ragtune` executable.
    public let binary: URL

    /// Each argument sets the property of the same name.
    public init(binary: URL) {
        self.binary = binary
    }

    func process(_ arguments: [String], output: FileHandle? = nil) -> Process {
        let child = Process()
        child.executableURL = binary
        child.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "interactive=no"
        child.environment = environment
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = output ?? FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        return child
    }

    /// Starts a child made by `make`, retrying for up to a minute while the system refuses new
    /// processes (EAGAIN: another program holds every thread the machine allows).
    static func launch(_ make: () throws -> Process) throws -> Process {
        var attempt = 0
        while true {
            let child = try make()
            do {
                try child.run()
                return child
            } catch {
                attempt += 1
                guard attempt < 60, "\(error)".contains("Resource temporarily unavailable") else { throw error }
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    /// Runs to completion (killed after `timeout` seconds).
    /// - Returns: the exit status (-1 when killed) and stdout.
    func run(_ arguments: [String], timeout: Double = 900) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-crash-out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        let child = try Self.launch { process(arguments, output: handle) }
        let deadline = Date().addingTimeInterval(timeout)
        while child.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if child.isRunning { kill(child.processIdentifier, SIGKILL) }
        child.waitUntilExit()
        try handle.close()
        let output = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        let clean = child.terminationReason == .exit
        return (clean ? child.terminationStatus : -1, output)
    }

    /// The JSON object on the last line of `output` decoded as `T`, or nil.
    static func lastJSON<T: Decodable>(_ output: String, as type: T.Type) -> T? {
        guard let line = output.split(separator: "\n").last else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(line.utf8))
    }

    /// Starts `arguments`, waits `delay` seconds (or until it exits), calls `beforeKill` and kills it.
    /// - Returns: nil when it was killed, else its exit status (it finished first; -1: another signal).
    func runKilled(_ arguments: [String], after delay: Double, beforeKill: () -> Void = {}) throws -> Int32? {
        let child = try Self.launch { process(arguments) }
        let deadline = Date().addingTimeInterval(delay)
        while child.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
        if child.isRunning {
            beforeKill()
            kill(child.processIdentifier, SIGKILL)
        }
        child.waitUntilExit()
        if child.terminationReason == .uncaughtSignal { return child.terminationStatus == SIGKILL ? nil : -1 }
        return child.terminationStatus
    }

    /// Seconds `arguments` take to run to completion, and their stdout.
    /// - Throws: `BenchError.childFailed` when they fail.
    func timed(_ arguments: [String]) throws -> (seconds: Double, output: String) {
        let start = Date()
        let (status, output) = try run(arguments)
        guard status == 0 else { throw BenchError.childFailed(arguments: arguments, status: status) }
        return (Date().timeIntervalSince(start), output)
    }
}
