import Foundation

/// `POST /v1/chat/completions` as OpenAI defines it; the fields RagTune acts on. Unknown fields
/// are ignored as OpenAI-compatible servers do, except features it cannot honour (`tools`,
/// `logprobs`, `n` > 1), which `validate` turns into a 400 naming the field.
struct ChatCompletionRequest: Decodable, Sendable {
    var model: String
    var messages: [Message]
    var temperature: Double?
    var topP: Double?
    var maxTokens: Int?
    var maxCompletionTokens: Int?
    var stop: StringList?
    var seed: Int64?
    var n: Int?
    var stream: Bool?
    var streamOptions: StreamOptions?
    var frequencyPenalty: Double?
    var presencePenalty: Double?
    var tools: JSONValue?
    var functions: JSONValue?
    var logprobs: Bool?

    struct Message: Decodable, Sendable {
        var role: String
        var content: MessageContent?
    }

    struct StreamOptions: Decodable, Sendable {
        var includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, topP = "top_p", maxTokens = "max_tokens",
             maxCompletionTokens = "max_completion_tokens", stop, seed, n, stream, streamOptions = "stream_options",
             frequencyPenalty = "frequency_penalty", presencePenalty = "presence_penalty", tools, functions, logprobs
    }
}

/// `POST /v1/completions`: a plain-text prompt continued by the model (no chat template).
struct CompletionRequest: Decodable, Sendable {
    var model: String
    var prompt: StringList
    var temperature: Double?
    var topP: Double?
    var maxTokens: Int?
    var stop: StringList?
    var seed: Int64?
    var n: Int?
    var stream: Bool?
    var streamOptions: ChatCompletionRequest.StreamOptions?
    var frequencyPenalty: Double?
    var presencePenalty: Double?
    var echo: Bool?
    var logprobs: Int?
    var suffix: String?

    enum CodingKeys: String, CodingKey {
        case model, prompt, temperature, topP = "top_p", maxTokens = "max_tokens", stop, seed, n, stream,
             streamOptions = "stream_options", frequencyPenalty = "frequency_penalty",
             presencePenalty = "presence_penalty", echo, logprobs, suffix
    }
}

/// `POST /v1/embeddings`: one string or an array of strings.
struct EmbeddingRequest: Decodable, Sendable {
    var model: String
    var input: StringList
    /// `float` (default) or `base64` (little-endian Float32 bytes; the `openai` Python client asks for it).
    var encodingFormat: String?
    var dimensions: Int?

    enum CodingKeys: String, CodingKey {
        case model, input, encodingFormat = "encoding_format", dimensions
    }
}

/// A message's `content`: a string, or an array of parts of which only `text` parts are supported.
enum MessageContent: Decodable, Sendable {
    case text(String)
    case parts([Part])

    struct Part: Decodable, Sendable {
        var type: String
        var text: String?
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let text = try? c.decode(String.self) {
            self = .text(text)
        } else {
            self = .parts(try c.decode([Part].self))
        }
    }
}

/// A field OpenAI lets be one string or an array of strings: `stop`, a completion's `prompt`, an
/// embedding request's `input` (token-id arrays, which OpenAI also accepts there, are refused).
struct StringList: Decodable, Sendable {
    var values: [String]

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let one = try? c.decode(String.self) {
            values = [one]
        } else if let many = try? c.decode([String].self) {
            values = many
        } else {
            let field = decoder.codingPath.last?.stringValue ?? "the value"
            throw DecodingError.typeMismatch(String.self, .init(
                codingPath: decoder.codingPath,
                debugDescription: "\(field) must be a string or an array of strings (token arrays are not supported)"))
        }
    }
}

/// Any JSON value, for fields whose presence matters but whose content RagTune does not read.
enum JSONValue: Decodable, Sendable {
    case null, other

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        self = c.decodeNil() ? .null : .other
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
