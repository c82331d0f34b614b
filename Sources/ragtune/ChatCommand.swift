import ArgumentParser
import Foundation
import RagTuneModels
import RagTuneTokenizers

/// `ragtune chat`: an interactive multi-turn chat on stdin/stdout.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Interactive multi-turn chat with SmolLM2 (type /reset to start over, /exit or Ctrl-D to quit).")

    @Option(help: "Generator model (only smollm2 ships).")
    var model: ModelChoice = .smollm2

    @Option(help: "A system message (default: the model's own default).")
    var system: String?

    @OptionGroup var sampling: SamplingOptions

    @OptionGroup var decoderOptions: DecoderOptions

    func validate() throws {
        guard model == .smollm2 else { throw ValidationError("--model: only smollm2 generates text") }
    }

    func run() throws {
        let generator = try decoderOptions.makeGenerator(threads: sampling.threadOptions.threads)
        let start = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        var messages = start
        let interactive = isatty(STDIN_FILENO) != 0
        if interactive { logError("chat with SmolLM2 — /reset starts over, /exit quits") }
        while true {
            if interactive { printFlushed("\n> ") }
            guard let line = readLine() else { break }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            if text == "/exit" || text == "/quit" { break }
            if text == "/reset" { messages = start; continue }
            messages.append(ChatMessage(role: "user", content: text))
            let result = try generator.chat(messages, sampling: sampling.parameters, stop: sampling.stop) {
                printFlushed($0)
            }
            print("")
            if interactive { logError(statsLine(result)) }
            messages.append(ChatMessage(role: "assistant", content: result.text))
        }
    }
}
