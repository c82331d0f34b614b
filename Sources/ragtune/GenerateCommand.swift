import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTuneModels
import RagTuneTokenizers

/// `ragtune generate`: one prompt streamed to the terminal, or a JSONL file of chats.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text with SmolLM2 on CPU, streaming token by token.",
        discussion: """
            With a prompt argument the reply streams to stdout. With --messages-file, each line \
            {"messages": [{"role", "content"}, ...]} is answered and printed as JSONL \
            {"prompt_ids", "ids", "text"} (ids include the end token when it stopped there), \
            followed by a JSON summary when --json is given.
            """)

    @Option(help: "Generator model (only smollm2 ships).")
    var model: ModelChoice = .smollm2

    @Argument(help: "The prompt, sent as one user message through the chat template.")
    var prompt: String?

    @Option(name: .customLong("messages-file"), help: "JSONL of {\"messages\": [...]} chats to answer.")
    var messagesFile: String?

    @Option(help: "A system message (default: the model's own default).")
    var system: String?

    @Flag(help: "Send the prompt as raw model input, without the chat template: control tokens written in it (<|im_start|>) are parsed, so you write the template yourself. Without --raw, text is always plain.")
    var raw = false

    @OptionGroup var sampling: SamplingOptions

    @OptionGroup var decoderOptions: DecoderOptions

    @Flag(help: "Machine-readable output: JSONL records and a JSON summary on stdout.")
    var json = false

    func validate() throws {
        guard model == .smollm2 else { throw ValidationError("--model: only smollm2 generates text") }
        guard (prompt == nil) != (messagesFile == nil) else {
            throw ValidationError("give either a prompt argument or --messages-file")
        }
    }

    func run() throws {
        let chats = try messagesFile.map { try JSONLines(path: $0).objects() }   // read before the model loads
        let generator = try decoderOptions.makeGenerator(threads: sampling.threadOptions.threads)
        if let messagesFile, let chats {
            try answerFile(messagesFile, chats, generator)
            return
        }
        let promptIds: [Int]
        if raw {
            promptIds = generator.tokenizer.encode(prompt!, parseSpecial: true)
        } else {
            let messages = (system.map { [ChatMessage(role: "system", content: $0)] } ?? [])
                + [ChatMessage(role: "user", content: prompt!)]
            promptIds = generator.promptIds(for: messages)
        }
        let result = try generator.generate(promptIds: promptIds, sampling: sampling.parameters, stop: sampling.stop) {
            if !json { printFlushed($0) }
        }
        if json {
            try printJSON(GenerationRecord(result))
        } else {
            print("")
            logError(statsLine(result))
        }
    }

    private func answerFile(_ path: String, _ lines: [(line: Int, object: [String: JSONValue])], _ generator: TextGenerator) throws {
        var totals = (prompt: 0, generated: 0, seconds: 0.0)
        for (line, object) in lines {
            let messages = try Self.messages(object, path: path, line: line)
            let result = try generator.chat(messages, sampling: sampling.parameters, stop: sampling.stop)
            try printJSON(GenerationRecord(result))
            totals.prompt += result.promptIds.count
            totals.generated += result.ids.count
            totals.seconds += result.promptSeconds + result.generateSeconds
        }
        if json {
            try printJSON(["summary": ChatFileSummary(chats: lines.count, promptTokens: totals.prompt,
                                                      generatedTokens: totals.generated, seconds: totals.seconds)])
        }
    }

    /// The `messages` array of one JSONL line, checked: roles system/user/assistant, string content.
    static func messages(_ object: [String: JSONValue], path: String, line: Int) throws -> [ChatMessage] {
        guard case .array(let list) = object["messages"], !list.isEmpty else {
            throw InputError.badLine(path: path, line: line, reason: "missing or empty \"messages\" array")
        }
        return try list.enumerated().map { index, element in
            let message: [String: JSONValue]
            if case .object(let object) = element { message = object } else { message = [:] }
            guard case .string(let role) = message["role"], ["system", "user", "assistant"].contains(role) else {
                throw InputError.badLine(path: path, line: line,
                                         reason: "messages[\(index)].role must be system, user or assistant")
            }
            guard case .string(let content) = message["content"] else {
                throw InputError.badLine(path: path, line: line, reason: "messages[\(index)].content must be a string")
            }
            return ChatMessage(role: role, content: content)
        }
    }
}

/// The JSON record of one generation (`generate --json`, one line per chat of `--messages-file`).
struct GenerationRecord: Encodable {
    var promptIds: [Int]
    var ids: [Int]
    var text: String
    var stopReason: String
    var promptSeconds: Double
    var generateSeconds: Double

    init(_ result: TextGenerator.Result) {
        promptIds = result.promptIds
        ids = result.ids
        text = result.text
        stopReason = "\(result.stopReason)"
        promptSeconds = result.promptSeconds
        generateSeconds = result.generateSeconds
    }

    enum CodingKeys: String, CodingKey {
        case promptIds = "prompt_ids", ids, text, stopReason = "stop_reason", promptSeconds = "prompt_seconds",
             generateSeconds = "generate_seconds"
    }
}

/// The totals line after the records of `generate --messages-file F --json`.
struct ChatFileSummary: Encodable {
    var chats: Int
    var promptTokens: Int
    var generatedTokens: Int
    var seconds: Double

    enum CodingKeys: String, CodingKey {
        case chats, promptTokens = "prompt_tokens", generatedTokens = "generated_tokens", seconds
    }
}

/// "N prompt tokens in …, M tokens at … tok/s" for stderr.
func statsLine(_ result: TextGenerator.Result) -> String {
    String(format: "[%d prompt tokens in %.2f s; %d tokens at %.1f tok/s; stop: %@]",
           result.promptIds.count, result.promptSeconds, result.ids.count,
           Double(result.ids.count) / max(result.generateSeconds, 1e-9), "\(result.stopReason)")
}

/// Writes text to stdout at once (token-by-token streaming). Called from generation callbacks,
/// which cannot throw: a failed write leaves stdout's error flag set, and `RagTune.main` turns it
/// into an error when the command ends.
func printFlushed(_ text: String) {
    try? StandardOutput.write(text)
    try? StandardOutput.flush()
}
