import Foundation
import RagTuneTensor

/// One kind of file a user hands RagTune, with valid seeds built in code, structure-aware
/// mutations, and the loaders the CLI runs on it.
protocol FuzzTarget {
    /// Valid inputs that mutations start from (each must load).
    func seeds() throws -> [FuzzInput]
    /// A structure-aware mutant of `input` (format-blind byte mutations are applied separately).
    func mutate(_ input: FuzzInput, rng: inout SplitMix64) -> FuzzInput
    /// Feeds `input` to RagTune's loaders as the CLI does, inside `scratch` (an empty folder).
    /// - Returns: violated properties (empty when all held).
    /// - Throws: the loaders' error when they refuse the input (a clean rejection).
    func run(_ input: FuzzInput, in scratch: URL) throws -> [String]
}

/// A loader that never throws refused an input; `description` is what it reported.
struct FuzzRejection: Error, CustomStringConvertible {
    let description: String
}

/// The fuzzed formats, named as `bench fuzz --formats` takes them.
public enum FuzzFormat: String, CaseIterable, Sendable {
    case jsonl, markdown, html, text, qa, chat
    case jobYAML = "job-yaml", jobJSON = "job-json", evalFiles = "eval-files"
    case gguf, safetensors, tokenizerJSON = "tokenizer-json", store, snapshot
    /// Checks the harness: case 3 traps, case 5 hangs (never part of the default list).
    case selftest

    /// Every format but `selftest`, the default list.
    public static var standard: [FuzzFormat] { allCases.filter { $0 != .selftest } }

    func target() -> any FuzzTarget {
        switch self {
        case .jsonl: return DocumentFuzzTarget(kind: .jsonl)
        case .markdown: return DocumentFuzzTarget(kind: .markdown)
        case .html: return DocumentFuzzTarget(kind: .html)
        case .text: return DocumentFuzzTarget(kind: .text)
        case .qa: return QAFuzzTarget()
        case .chat: return ChatFuzzTarget()
        case .jobYAML: return JobFuzzTarget(json: false)
        case .jobJSON: return JobFuzzTarget(json: true)
        case .evalFiles: return EvalFilesFuzzTarget()
        case .gguf: return GGUFFuzzTarget()
        case .safetensors: return SafetensorsFuzzTarget()
        case .tokenizerJSON: return TokenizerJSONFuzzTarget()
        case .store: return StoreFuzzTarget()
        case .snapshot: return SnapshotFuzzTarget()
        case .selftest: return SelfTestFuzzTarget()
        }
    }
}

/// The inputs of one format's cases: case `i` is a pure function of (format, seed, i), so a
/// crash found in a child process is reproduced (and saved) by the parent.
struct FuzzCaseGenerator {
    let format: FuzzFormat
    let target: any FuzzTarget
    let seeds: [FuzzInput]
    let seed: UInt64

    init(format: FuzzFormat, seed: UInt64) throws {
        self.format = format
        self.seed = seed
        target = format.target()
        seeds = try target.seeds()
    }

    func input(_ index: Int) -> FuzzInput {
        if format == .selftest { return FuzzInput("case.txt", text: index == 3 ? "trap" : index == 5 ? "hang" : "ok") }
        let salt = format.rawValue.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        var rng = SplitMix64(seed: seed ^ salt &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
        var input = seeds[rng.below(seeds.count)]
        if rng.below(25) == 0 { return input } // 4% unmutated: the seeds themselves must load
        // 85%: 1-3 structure-aware mutations, then (15% of those) format-blind ones; 15% format-blind only.
        let structural = rng.chance(0.15) ? 0 : 1 + rng.below(3)
        for _ in 0..<structural { input = target.mutate(input, rng: &rng) }
        let havoc = structural == 0 ? 1 + rng.below(4) : rng.chance(0.15) ? 1 + rng.below(2) : 0
        for _ in 0..<havoc { ByteMutator.mutate(&input.bytes, rng: &rng) }
        if input.bytes.count > ByteMutator.maxBytes { input.bytes.removeLast(input.bytes.count - ByteMutator.maxBytes) }
        return input
    }

    /// Runs case `index` in `scratch` (emptied first).
    func run(_ index: Int, in scratch: URL) throws -> [String] {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: scratch.path)) ?? [] {
            try? fm.removeItem(at: scratch.appendingPathComponent(name))
        }
        return try target.run(input(index), in: scratch)
    }
}

/// Whether an error message tells the user what is wrong (not a bare Cocoa code).
func fuzzErrorIsDescriptive(_ message: String) -> Bool {
    message.count >= 8 && !message.contains("The operation could not be completed")
        && !message.contains("NSCocoaErrorDomain") && !message.contains("error 256")
}

/// Writes `input` into `scratch` under its name and returns the file's URL.
func fuzzWrite(_ input: FuzzInput, in scratch: URL, as name: String? = nil) throws -> URL {
    let url = scratch.appendingPathComponent(name ?? input.name)
    try Data(input.bytes).write(to: url)
    return url
}

/// Checks the harness itself: traps on "trap", never returns on "hang".
struct SelfTestFuzzTarget: FuzzTarget {
    func seeds() throws -> [FuzzInput] { [FuzzInput("case.txt", text: "ok")] }
    func mutate(_ input: FuzzInput, rng: inout SplitMix64) -> FuzzInput { input }
    func run(_ input: FuzzInput, in scratch: URL) throws -> [String] {
        switch input.text {
        case "trap": fatalError("selftest: deliberate trap")
        case "hang": while true { Thread.sleep(forTimeInterval: 1) }
        default: return []
        }
    }
}
