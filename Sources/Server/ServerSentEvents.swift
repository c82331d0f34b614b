import Foundation
import NIOCore

/// Server-Sent Events as OpenAI streams them: each event one `data: <json>` line and a blank
/// line; the stream ends with `data: [DONE]`.
enum ServerSentEvents {
    static func event(_ value: some Encodable) throws -> ByteBuffer {
        var data = Data("data: ".utf8)
        data.append(try JSONEncoder.api.encode(value))
        data.append(contentsOf: Array("\n\n".utf8))
        return ByteBuffer(bytes: data)
    }

    /// An error that happens after the stream has begun (the status line is already sent).
    static func error(_ error: APIError) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        var body = error.body
        buffer.writeBuffer(&body)
        buffer.writeString("\n\n")
        return buffer
    }

    static let done = ByteBuffer(string: "data: [DONE]\n\n")
}
