import ArgumentParser
import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor
import RagTuneTokenizers

/// `ragtune bench decode`: SmolLM2 prefill and decode speed at 1 and 2 threads.
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

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    /// The `--threads` list (checked by `validate`).
    var threadCounts: [Int] { (try? benchThreadCounts(threads)) ?? [] }

    func validate() throws {
        guard tokens >= 1 else { throw ValidationError("--tokens must be at least 1") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        _ = try benchThreadCounts(threads)
    }

    func run() throws {
        let text: String
        do { text = try String(contentsOfFile: promptFile, encoding: .utf8) } catch {
            throw ValidationError("--prompt-file: cannot read \(promptFile)")
        }
        let spec = ModelCatalog.smollm2
        let gguf = try GGUFFile(url: ModelDirectory().file(spec.weightsFile, of: spec))
        let model = try LlamaModel(gguf: gguf)
        let tokenizer = try BPETokenizer(gguf: gguf)
        let promptIds = tokenizer.encode(ChatTemplate.smolLM2.pieces([ChatMessage(role: "user", content: text)]))
        let machine = machineReport()
        if !json {
            logError("CPU: \(machine["cpu"]!), SIMD \(machine["simd"]!); prompt \(promptIds.count) tokens, generating \(tokens)")
        }
        var results: [[String: Any]] = []
        var firstGenerated: [Int] = []
        for t in threadCounts {
            let session = LlamaSession(model: model, maxContext: promptIds.count + tokens + 1, threads: t)
            var prefillRates: [Double] = [], decodeRates: [Double] = []
            for round in 0...rounds { // round 0 warms up
                session.reset()
                let start = DispatchTime.now().uptimeNanoseconds
                var logits = try session.evaluate(promptIds)[0]
                let prefilled = DispatchTime.now().uptimeNanoseconds
                var generated: [Int] = []
                for _ in 0..<tokens {
                    let next = logits.withUnsafeBufferPointer { Kernels.argmax($0.baseAddress!, count: $0.count) }
                    generated.append(next)
                    logits = try session.evaluate([next])[0]
                }
                let done = DispatchTime.now().uptimeNanoseconds
                if firstGenerated.isEmpty { firstGenerated = generated }
                guard round > 0 else { continue }
                prefillRates.append(Double(promptIds.count) / (Double(prefilled - start) / 1e9))
                decodeRates.append(Double(tokens) / (Double(done - prefilled) / 1e9))
            }
            results.append(["threads": t, "prefill_tokens_per_second": benchMedian(prefillRates),
                            "decode_tokens_per_second": benchMedian(decodeRates),
                            "prefill_rounds": prefillRates, "decode_rounds": decodeRates,
                            "weight_bytes_per_token": model.weightBytesPerToken])
        }
        // Peak memory of the model at work, read before the bandwidth test allocates its buffer.
        let memory = ProcessMemory.current()
        for (i, t) in threadCounts.enumerated() {
            let bandwidth = MachineBenchmark.readBandwidth(threads: t)
            results[i]["read_bandwidth_gbps"] = bandwidth
            if !json {
                let ceiling = bandwidth * 1e9 / Double(model.weightBytesPerToken)
                print(String(format: "threads %d: prefill %.0f tok/s, decode %.1f tok/s (bandwidth ceiling %.0f tok/s at %.1f GB/s)",
                             t, results[i]["prefill_tokens_per_second"] as! Double,
                             results[i]["decode_tokens_per_second"] as! Double, ceiling, bandwidth))
            }
        }
        if json {
            print(JSONText.object([
                "benchmark": "decode", "model": spec.weightsFile, "prompt_ids": promptIds,
                "prompt_tokens": promptIds.count, "generated_tokens": tokens, "generated_ids": firstGenerated,
                "machine": machine, "results": results, "peak_rss_mb": memory.peakResidentMB,
                "kernel": "float activations; quantized matvec from the Q4_1/Q8_0 blocks (decode), dequantize + SGEMM (prefill)"]))
        } else {
            print(String(format: "peak RSS %.0f MB; weights read per token %.1f MB", memory.peakResidentMB,
                         Double(model.weightBytesPerToken) / 1e6))
        }
    }
}
