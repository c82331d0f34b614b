import Foundation

/// What a `bench fuzz-worker` child does: runs a range of one format's cases and reports one line
/// per finished case (`i a` accepted, `i e` refused with a descriptive error, `i u MESSAGE`
/// refused with an undescriptive one, `i v MESSAGE` accepted with a violated property), which
/// `FuzzRunner` reads back. Also dumps cases to files and replays a saved input.
public struct FuzzWorkerJob {
    let generator: FuzzCaseGenerator

    /// - Throws: when the format's seeds cannot be built.
    public init(format: FuzzFormat, seed: UInt64) throws {
        generator = try FuzzCaseGenerator(format: format, seed: seed)
    }

    /// Caps this process's address space at 8 GB, so that a case asking for absurd memory fails
    /// fast instead of swapping.
    public static func limitAddressSpace() {
        var limit = rlimit(rlim_cur: 8 << 30, rlim_max: 8 << 30)
        _ = setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
    }

    /// Writes the inputs of `cases` into `folder` as `case<i>-<name>`.
    public func dump(_ cases: Range<Int>, into folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for i in cases {
            let input = generator.input(i)
            try Data(input.bytes).write(to: folder.appendingPathComponent("case\(i)-\(input.name)"))
        }
    }

    /// Runs a saved input (named FORMAT-caseN-NAME by `bench fuzz`; the loader is picked by NAME).
    /// - Returns: the violated properties.
    /// - Throws: the loaders' error when they refuse the input.
    public func replay(_ file: URL) throws -> [String] {
        var name = file.lastPathComponent
        if let range = name.range(of: #"^.*-case[0-9]+-"#, options: .regularExpression) { name.removeSubrange(range) }
        let bytes = [UInt8](try Data(contentsOf: file))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-fuzz-replay-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        return try generator.target.run(FuzzInput(name, bytes), in: scratch)
    }

    /// Runs `cases` in order, calling `report` with each case's outcome line (newline-terminated,
    /// at most 400 characters before it).
    /// - Parameter verbose: descriptive errors carry their message too.
    public func run(_ cases: Range<Int>, verbose: Bool, report: (String) -> Void) throws {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("ragtune-fuzz-\(generator.format.rawValue)-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        for i in cases {
            var line: String
            do {
                let violations = try generator.run(i, in: scratch)
                line = violations.isEmpty ? "\(i) a" : "\(i) v \(violations.joined(separator: "; "))"
            } catch {
                let message = "\(error)"
                line = fuzzErrorIsDescriptive(message) ? "\(i) e" + (verbose ? " \(message)" : "") : "\(i) u \(message)"
            }
            report(String(line.prefix(400)).replacingOccurrences(of: "\n", with: " ") + "\n")
        }
    }
}
