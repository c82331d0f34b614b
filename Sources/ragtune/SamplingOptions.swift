import ArgumentParser
import RagTuneModels

/// Sampling and stopping flags shared by `generate` and `chat` (llama.cpp's names where it has them).
struct SamplingOptions: ParsableArguments {
    @Option(name: .customLong("max-tokens"), help: "Most tokens to generate.")
    var maxTokens: Int = 256

    @Option(help: "Temperature; 0 means greedy.")
    var temperature: Float = 0.8

    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens (0: off).")
    var topK: Int = 40

    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass (1: off).")
    var topP: Float = 0.95

    @Option(name: .customLong("min-p"), help: "Drop tokens below min-p × the top probability (0: off).")
    var minP: Float = 0.05

    @Option(name: .customLong("repeat-penalty"), help: "Repetition penalty (1: off).")
    var repeatPenalty: Float = 1.0

    @Option(name: .customLong("frequency-penalty"))
    var frequencyPenalty: Float = 0

    @Option(name: .customLong("presence-penalty"))
    var presencePenalty: Float = 0

    @Option(name: .customLong("repeat-last-n"), help: "Tokens the penalties look back over (-1: all).")
    var repeatLastN: Int = 64

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(name: .customLong("stop"), help: "A stop string (repeatable).")
    var stopStrings: [String] = []

    @OptionGroup var threadOptions: ThreadOptions

    var parameters: SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP,
                           repetitionPenalty: repeatPenalty, frequencyPenalty: frequencyPenalty,
                           presencePenalty: presencePenalty, penaltyLastN: repeatLastN, seed: seed)
    }

    var stop: StopCondition { StopCondition(maxTokens: maxTokens, stopStrings: stopStrings) }

    func validate() throws {
        do { try parameters.validate() } catch { throw ValidationError("\(error)") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
    }
}
