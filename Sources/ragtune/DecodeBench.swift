import ArgumentParser
import Foundation
import RagTuneBench
import RagTuneModels

/// `ragtune bench decode`: SmolLM2 prefill and decode speed at 1 and 2 threads (`DecodeBenchmark`).
struct DecodeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "SmolLM2 prefill and decode tokens/s (greedy, EOS ignored) at 1 and 2 threads.",
        discussion: "The prompt file's text is sent as one ChatML user turn. Benchmarks/bench_decode.sh runs "
            + "llama.cpp on the same ids in the same run and prints the ratios.")

    @Option(name: .customLong("prompt-file"), help: "Prompt text (default: Benchmarks/decode_prompt.txt).")
    var promptFile: String = "Benchmarks/decode_prompt.txt"

    @Option(help: "Tokens to generate after the prompt.")
    var tokens: Int = 128

    @Option(help: "Thread counts to measure, comma-separated.")
    var threads: String = "1,2"

    @Option(help: "Measured rounds per thread count (median reported).")
    var rounds: Int = 3

    @Option(help: "Decode paths to measure, comma-separated: int8 (integer products, the default path) and/or exact (Float32).")
    var precision: String = "int8,exact"

    @Flag(help: "Add one prefill and decode run per path and thread count with every operation timed, and report the shares.")
    var profile = false

    @Option(name: .customLong("batch"),
            help: "Also decode this many sequences together per step (comma-separated counts, as ragtune serve batches them).")
    var batch: String?

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard tokens >= 1 else { throw ValidationError("--tokens must be at least 1") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        _ = try benchThreadCounts(threads)
        _ = try precisions()
        _ = try batchSizes()
    }

    /// `--batch` parsed.
    func batchSizes() throws -> [Int] {
        guard let batch else { return [] }
        let sizes = batch.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 2 && ($0 ?? 0) <= 256 }) else {
            throw ValidationError("--batch: expected comma-separated counts from 2 to 256, got '\(batch)'")
        }
        return sizes.compactMap { $0 }
    }

    /// `--precision` parsed.
    func precisions() throws -> [DecodePrecision] {
        let names = precision.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let parsed = names.compactMap(DecodePrecision.init(rawValue:))
        guard !parsed.isEmpty, parsed.count == names.count else {
            throw ValidationError("--precision: expected a comma-separated list of int8 and exact, got '\(precision)'")
        }
        return parsed
    }

    func run() throws {
        let text: String
        do { text = try String(contentsOfFile: promptFile, encoding: .utf8) } catch {
            throw ValidationError("--prompt-file: cannot read \(promptFile)")
        }
        let options = DecodeBenchmark.Options(prompt: text, tokens: tokens, threads: try benchThreadCounts(threads), rounds: rounds,
                                             precisions: try precisions(), profile: profile,
                                             batchSizes: try batchSizes())
        let report = try DecodeBenchmark.run(options, log: .standardError(json: json))
        if json {
            try printJSON(report)
        } else {
            for result in report.results {
                print(result.line)
                for (title, times) in [("prefill", result.prefillProfile), ("decode", result.profile)] {
                    guard let times else { continue }
                    print("  \(title), per \(title == "prefill" ? "prompt" : "decoded") token:")
                    for op in times {
                        print(String(format: "    %-24@ %6.3f ms/token  %5.1f%%", op.operation, op.millisecondsPerToken, 100 * op.share))
                    }
                }
            }
            for result in report.batched {
                print(result.line)
                for op in result.profile ?? [] {
                    print(String(format: "    %-24@ %6.3f ms/token  %5.1f%%", op.operation, op.millisecondsPerToken, 100 * op.share))
                }
            }
            print(report.memoryLine)
        }
    }
}
