import Foundation

/// Token counts of one request, as OpenAI reports them.
struct Usage: Encodable, Sendable, Equatable {
    var promptTokens: Int
    var completionTokens: Int
    var totalTokens: Int { promptTokens + completionTokens }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(promptTokens, forKey: .promptTokens)
        try c.encode(completionTokens, forKey: .completionTokens)
        try c.encode(totalTokens, forKey: .totalTokens)
    }
}

/// The envelope of every completion OpenAI returns: a whole chat completion (`chat.completion`),
/// one streamed chunk of it (`chat.completion.chunk`) and a text completion (`text_completion`,
/// whole or streamed).
struct Completion<Choice: Encodable & Sendable>: Encodable, Sendable {
    var id: String
    var object: String
    var created: Int
    var model: String
    var choices: [Choice]
    /// Token counts: on a whole completion, and on the last streamed chunk when the request asked
    /// `stream_options.include_usage` (then `choices` is empty).
    var usage: Usage?
    /// The sources a `rag:` answer cites as [n] (a field OpenAI's clients ignore; absent otherwise).
    var citations: [Citation]? = nil
}

/// One cited source of a `rag:` answer: its number in the text and where the passage is.
struct Citation: Encodable, Sendable {
    var number: Int
    var documentID, source, title: String
    var chunk, start, end: Int
    enum CodingKeys: String, CodingKey {
        case number = "n", documentID = "doc_id", source, title, chunk, start, end
    }
}

typealias ChatCompletion = Completion<ChatChoice>
typealias ChatCompletionChunk = Completion<ChatChunkChoice>
typealias TextCompletion = Completion<TextChoice>

/// A whole chat completion's choice.
struct ChatChoice: Encodable, Sendable {
    var index = 0
    var message: AssistantMessage
    var finishReason: String
    enum CodingKeys: String, CodingKey { case index, message, finishReason = "finish_reason" }

    struct AssistantMessage: Encodable, Sendable {
        var role = "assistant"
        var content: String
    }
}

/// A streamed chat chunk's choice: what the reply gained.
struct ChatChunkChoice: Encodable, Sendable {
    var index = 0
    var delta: Delta
    /// null until the last content chunk (encoded as null, not left out, as OpenAI does).
    var finishReason: String?
    enum CodingKeys: String, CodingKey { case index, delta, finishReason = "finish_reason" }

    struct Delta: Encodable, Sendable {
        var role: String?
        var content: String?
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(delta, forKey: .delta)
        try c.encode(finishReason, forKey: .finishReason)
    }
}

/// A text completion's choice, whole or streamed (`logprobs` always null).
struct TextChoice: Encodable, Sendable {
    var index = 0
    var text: String
    var finishReason: String?
    enum CodingKeys: String, CodingKey { case index, text, logprobs, finishReason = "finish_reason" }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(text, forKey: .text)
        try c.encodeNil(forKey: .logprobs)
        try c.encode(finishReason, forKey: .finishReason)
    }
}

/// `POST /v1/embeddings`'s answer.
struct EmbeddingList: Encodable, Sendable {
    var object = "list"
    var data: [Item]
    var model: String
    var usage: EmbeddingUsage

    struct Item: Encodable, Sendable {
        var object = "embedding"
        var index: Int
        var embedding: Vector
    }

    /// Floats, or their little-endian Float32 bytes in base64.
    enum Vector: Encodable, Sendable {
        case floats([Float])
        case base64(String)
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .floats(let values): try c.encode(values)
            case .base64(let text): try c.encode(text)
            }
        }
    }

    struct EmbeddingUsage: Encodable, Sendable {
        var promptTokens: Int
        var totalTokens: Int
        enum CodingKeys: String, CodingKey { case promptTokens = "prompt_tokens", totalTokens = "total_tokens" }
    }
}

/// `GET /v1/models` and `GET /v1/models/{id}`.
struct ModelList: Encodable, Sendable {
    var object = "list"
    var data: [ModelEntry]
}

struct ModelEntry: Encodable, Sendable {
    var id: String
    var object = "model"
    var created: Int
    var ownedBy = "ragtune"
    enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
}
