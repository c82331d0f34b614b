/// A fuzz case that crashed or hung: why, where its input and the child's stderr were saved,
/// and the command that replays it.
public struct FuzzFailure: Codable, Sendable, Equatable {
    /// The case number.
    public var caseIndex: Int
    /// "signal N", "exit status N" or "no progress for N s (killed)".
    public var reason: String
    /// The trap's message and the first frame in RagTune's sources (up to 300 characters).
    public var message: String
    /// The saved input.
    public var input: String
    /// The saved stderr of the child.
    public var log: String
    /// The `ragtune bench fuzz-worker …` command that runs the case again.
    public var replay: String

    enum CodingKeys: String, CodingKey {
        case reason, message, input, log, replay
        case caseIndex = "case"
    }
}

/// One format's entry in the `bench fuzz` report.
public struct FuzzFormatReport: Codable, Sendable, Equatable {
    /// A refusal whose message does not say what is wrong.
    public struct ErrorExample: Codable, Sendable, Equatable {
        public var caseIndex: Int
        public var error: String

        enum CodingKeys: String, CodingKey {
            case error
            case caseIndex = "case"
        }
    }

    /// An accepted input that broke a property.
    public struct ViolationExample: Codable, Sendable, Equatable {
        public var caseIndex: Int
        public var violation: String

        enum CodingKeys: String, CodingKey {
            case violation
            case caseIndex = "case"
        }
    }

    public var format: String
    /// Cases with an outcome (crashed and hung ones included).
    public var cases: Int
    public var accepted: Int
    public var errors: Int
    public var undescriptiveErrors: Int
    public var crashes: Int
    public var hangs: Int
    public var violations: Int
    public var crashCases: [FuzzFailure]
    public var hangCases: [FuzzFailure]
    /// The first three.
    public var undescriptiveExamples: [ErrorExample]
    /// The first three.
    public var violationExamples: [ViolationExample]
    public var seconds: Double
    public var casesPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case format, cases, accepted, errors, crashes, hangs, violations, seconds
        case undescriptiveErrors = "undescriptive_errors", crashCases = "crash_cases", hangCases = "hang_cases"
        case undescriptiveExamples = "undescriptive_examples", violationExamples = "violation_examples"
        case casesPerSecond = "cases_per_second"
    }
}

/// The `--json` object of `bench fuzz`.
public struct FuzzReport: Encodable, Sendable {
    public var benchmark = "fuzz"
    public var seed: UInt64
    public var casesPerFormat: Int
    /// Sorted by format name.
    public var formats: [FuzzFormatReport]
    public var totalCases: Int
    public var totalCrashes: Int
    public var totalHangs: Int
    public var totalViolations: Int
    /// The folder of crash and hang inputs and logs.
    public var out: String
    public var seconds: Double
    public var machine: MachineReport

    enum CodingKeys: String, CodingKey {
        case benchmark, seed, formats, out, seconds, machine
        case casesPerFormat = "cases_per_format", totalCases = "total_cases", totalCrashes = "total_crashes"
        case totalHangs = "total_hangs", totalViolations = "total_violations"
    }

    /// The text report's line.
    public var line: String {
        String(format: "%d formats × %d cases in %.0f s: %d crashes, %d hangs (inputs in %@)", formats.count, casesPerFormat,
               seconds, totalCrashes, totalHangs, out)
    }
}
