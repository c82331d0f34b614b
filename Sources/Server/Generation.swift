import Foundation
import RagTuneModels
import RagTuneTokenizers

/// One generation a chat or text completion asks for, checked and tokenized on the request's
/// task before it queues for the worker, so a bad request fails with 400 before any stream starts.
struct Generation: Sendable {
    /// The `model` the request named (echoed back).
    var model: String
    /// The LoRA adapter to apply (nil: the base decoder).
    var adapter: String?
    var promptIds: [Int]
    var sampling: SamplingParameters
    var stop: StopCondition
    /// When the request arrived (time to first token counts from here).
    var received = Date()

    /// The sampling a request asks for; fields it leaves out keep RagTune's defaults
    /// (`SamplingParameters`: temperature 0.8, top-p 0.95, top-k 40, min-p 0.05) and a missing
    /// seed draws a fresh one, so identical requests without a seed differ, as OpenAI's do.
    /// - Throws: `APIError.invalid` naming the field out of OpenAI's range.
    static func sampling(temperature: Double?, topP: Double?, seed: Int64?, frequencyPenalty: Double?,
                         presencePenalty: Double?) throws -> SamplingParameters {
        var sampling = SamplingParameters()
        if let temperature {
            guard temperature.isFinite, (0...2).contains(temperature) else {
                throw APIError.invalid("temperature \(temperature) must be between 0 and 2", param: "temperature")
            }
            sampling.temperature = Float(temperature)
        }
        if let topP {
            guard topP.isFinite, topP > 0, topP <= 1 else {
                throw APIError.invalid("top_p \(topP) must be in (0, 1]", param: "top_p")
            }
            sampling.topP = max(Float(topP), .leastNonzeroMagnitude) // 5e-324 is 0 as a Float: keep it above 0
        }
        for (name, value) in [("frequency_penalty", frequencyPenalty), ("presence_penalty", presencePenalty)] {
            if let value, !(value.isFinite && (-2...2).contains(value)) {
                throw APIError.invalid("\(name) \(value) must be between -2 and 2", param: name)
            }
        }
        sampling.frequencyPenalty = Float(frequencyPenalty ?? 0)
        sampling.presencePenalty = Float(presencePenalty ?? 0)
        sampling.seed = seed.map { UInt64(bitPattern: $0) } ?? UInt64.random(in: .min ... .max)
        return sampling
    }

    /// When generation ends: `max_tokens` (default: the rest of the context) and up to four stop strings.
    /// - Throws: `APIError.invalid` when the prompt and `max_tokens` do not fit the context.
    /// - Parameter limit: the server's `max_tokens_limit` (0: none).
    static func stopCondition(maxTokens: Int?, maxTokensField: String, stop: [String]?, promptTokens: Int,
                              contextLength: Int, limit: Int = 0) throws -> StopCondition {
        let stop = stop ?? []
        guard stop.count <= 4 else { throw APIError.invalid("stop holds \(stop.count) strings; at most 4", param: "stop") }
        if stop.contains("") { throw APIError.invalid("stop strings must not be empty", param: "stop") }
        let room = contextLength - promptTokens
        guard room > 0 else {
            throw APIError.invalid("The prompt is \(promptTokens) tokens; this model's context holds \(contextLength)",
                                   param: "messages", code: "context_length_exceeded")
        }
        if let maxTokens {
            guard maxTokens >= 1 else { throw APIError.invalid("\(maxTokensField) must be at least 1", param: maxTokensField) }
            if limit > 0, maxTokens > limit {
                throw APIError.invalid("\(maxTokensField) \(maxTokens) is above this server's limit of \(limit)",
                                       param: maxTokensField)
            }
            guard maxTokens <= room else {
                throw APIError.invalid(
                    "This model's context holds \(contextLength) tokens; the prompt takes \(promptTokens), "
                    + "so \(maxTokensField) can be at most \(room) (asked: \(maxTokens))",
                    param: maxTokensField, code: "context_length_exceeded")
            }
        }
        return StopCondition(maxTokens: maxTokens ?? (limit > 0 ? min(room, limit) : room), stopStrings: stop)
    }

    /// `n`: only one choice per request.
    static func checkSingleChoice(_ n: Int?) throws {
        if let n, n != 1 { throw APIError.invalid("n = \(n): this server returns one choice per request", param: "n") }
    }
}

/// What one generation produced.
struct GenerationOutcome: Sendable {
    var text: String
    var promptTokens: Int
    var completionTokens: Int
    /// OpenAI's `finish_reason`: `stop` (end token or stop string), `length` (max_tokens or the
    /// context's end) or `cancelled` (the client went away; never sent).
    var finishReason: String
    var seconds: Double
    /// From the request's arrival to the first generated text (nil: no text).
    var firstTokenSeconds: Double?
    /// Seconds spent decoding after the prompt.
    var decodeSeconds: Double

    var usage: Usage { Usage(promptTokens: promptTokens, completionTokens: completionTokens) }
}

extension GenerationOutcome {
    /// The outcome of a decoder result, in OpenAI's terms: `finish_reason` `stop` (end token or
    /// stop string; the end token not counted as completion), `length` or `cancelled`.
    init(_ result: TextGenerator.Result, received: Date, firstText: Date?) {
        var completionTokens = result.ids.count
        let finishReason: String
        switch result.stopReason {
        case .stopToken:
            finishReason = "stop"
            completionTokens -= 1 // the end token is not part of the completion
        case .stopString: finishReason = "stop"
        case .maxTokens: finishReason = "length"
        case .cancelled: finishReason = "cancelled"
        }
        self.init(text: result.text, promptTokens: result.promptIds.count, completionTokens: completionTokens,
                  finishReason: finishReason, seconds: result.promptSeconds + result.generateSeconds,
                  firstTokenSeconds: firstText.map { $0.timeIntervalSince(received) }, decodeSeconds: result.generateSeconds)
    }
}

extension ChatCompletionRequest {
    /// The conversation as chat messages: roles `system` (also `developer`), `user` and
    /// `assistant`; content a string or text parts.
    /// - Throws: `APIError.invalid` naming the message and field at fault.
    func chatMessages() throws -> [ChatMessage] {
        guard !messages.isEmpty else { throw APIError.invalid("messages is empty; send at least one message", param: "messages") }
        return try messages.enumerated().map { i, message in
            let role: String
            switch message.role {
            case "system", "developer": role = "system"
            case "user", "assistant": role = message.role
            default:
                throw APIError.invalid("messages[\(i)].role '\(message.role)' is not supported (system, developer, user, assistant)",
                                       param: "messages[\(i)].role")
            }
            switch message.content {
            case .text(let text)?:
                return ChatMessage(role: role, content: text)
            case .parts(let parts)?:
                let texts = try parts.enumerated().map { j, part -> String in
                    guard part.type == "text", let text = part.text else {
                        throw APIError.invalid("messages[\(i)].content[\(j)]: only text parts are supported (type '\(part.type)')",
                                               param: "messages[\(i)].content[\(j)]")
                    }
                    return text
                }
                return ChatMessage(role: role, content: texts.joined(separator: "\n"))
            case nil:
                throw APIError.invalid("messages[\(i)].content is missing", param: "messages[\(i)].content")
            }
        }
    }

    /// Features this server cannot honour, refused rather than ignored.
    func checkSupported() throws {
        try Generation.checkSingleChoice(n)
        if let tools, !tools.isNull { throw APIError.invalid("tools are not supported by this server", param: "tools") }
        if let functions, !functions.isNull {
            throw APIError.invalid("functions are not supported by this server", param: "functions")
        }
        if logprobs == true { throw APIError.invalid("logprobs are not supported by this server", param: "logprobs") }
    }
}
