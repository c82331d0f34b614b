import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RagTuneTokenizers

/// Any OpenAI-compatible chat-completions server (llama.cpp's server, llama-cpp-python, vLLM,
/// OpenAI itself) as an `AnswerGenerator`: `POST {baseURL}/chat/completions` with `stream: true`,
/// text streamed from the Server-Sent Events as it arrives.
public final class OpenAIGenerator: AnswerGenerator {
    /// e.g. `http://127.0.0.1:8080/v1`.
    public let baseURL: URL
    public let model: String
    public let contextTokens: Int
    public var temperature: Double = 0
    /// Seconds to wait for the server's first byte and between bytes.
    public var timeout: TimeInterval = 300
    private let apiKey: String?

    /// - Parameters:
    ///   - apiKey: sent as `Authorization: Bearer …` when given.
    ///   - contextTokens: the server model's context length (token counts are estimated locally,
    ///     at 4 characters a token, since the server's tokenizer is unknown).
    public init(baseURL: URL, model: String, apiKey: String?, contextTokens: Int = 4096) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
        self.contextTokens = contextTokens
    }

    public var name: String { "\(model) at \(baseURL.absoluteString)" }

    public func countTokens(_ messages: [ChatMessage]) -> Int { messages.map { countTokens($0.content) + 4 }.reduce(3, +) }
    public func countTokens(_ text: String) -> Int { (text.utf8.count + 3) / 4 }

    public func generate(_ messages: [ChatMessage], maxTokens: Int, stop: [String],
                         onText: (String) -> Void) throws -> GeneratedAnswer {
        var request = URLRequest(url: baseURL.appendingPathComponent("chat/completions"), timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        var body: [String: Any] = [
            "model": model, "stream": true, "max_tokens": maxTokens, "temperature": temperature,
            "messages": messages.map { ["role": $0.role, "content": $0.content] },
            "stream_options": ["include_usage": true],
        ]
        if !stop.isEmpty { body["stop"] = stop }
        request.httpBody = try JSONSerialization.data(withJSONObject: body)

        let started = Date()
        let stream = EventStream()
        let session = URLSession(configuration: .ephemeral, delegate: stream, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        session.dataTask(with: request).resume()
        var text = "", firstToken: Date?, chunks = 0
        var usage: (prompt: Int, completion: Int)?
        while let batch = stream.next() {
            for event in batch where event != "[DONE]" {
                guard let object = try? JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any] else {
                    throw RemoteGeneratorError.badResponse(url: request.url!.absoluteString, reason: "not JSON: \(event.prefix(200))")
                }
                if let error = object["error"] { throw RemoteGeneratorError.server(url: request.url!.absoluteString, status: 200, message: "\(error)") }
                if let u = object["usage"] as? [String: Any], let p = u["prompt_tokens"] as? Int, let c = u["completion_tokens"] as? Int {
                    usage = (p, c)
                }
                let choices = object["choices"] as? [[String: Any]] ?? []
                if let piece = (choices.first?["delta"] as? [String: Any])?["content"] as? String, !piece.isEmpty {
                    if firstToken == nil { firstToken = Date() }
                    chunks += 1
                    text += piece
                    onText(piece)
                }
            }
        }
        let url = request.url!.absoluteString
        if let error = stream.failure { throw RemoteGeneratorError.unreachable(url: url, reason: error.localizedDescription) }
        guard let status = stream.status else { throw RemoteGeneratorError.badResponse(url: url, reason: "no HTTP response") }
        guard status == 200 else {
            throw RemoteGeneratorError.server(url: url, status: status, message: String(decoding: stream.errorBody.prefix(500), as: UTF8.self))
        }
        let finished = Date()
        return GeneratedAnswer(text: text, promptTokens: usage?.prompt ?? countTokens(messages),
                               completionTokens: usage?.completion ?? chunks,
                               promptSeconds: (firstToken ?? finished).timeIntervalSince(started),
                               generateSeconds: finished.timeIntervalSince(firstToken ?? finished))
    }
}

/// Errors talking to a remote generator, naming its URL.
public enum RemoteGeneratorError: Error, CustomStringConvertible {
    case unreachable(url: String, reason: String)
    case server(url: String, status: Int, message: String)
    case badResponse(url: String, reason: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): return "\(url): cannot reach the server: \(reason)"
        case .server(let url, let status, let message): return "\(url): HTTP \(status): \(message)"
        case .badResponse(let url, let reason): return "\(url): unexpected response: \(reason)"
        }
    }
}

/// The URLSession delegate of one streamed request: parses Server-Sent Events as bytes arrive and
/// hands complete events to the waiting caller. URLSession calls it on its own serial queue; every
/// field is guarded by `lock`, which is why `@unchecked Sendable` is safe.
private final class EventStream: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private let ready = DispatchSemaphore(value: 0)
    private var parser = ServerSentEventParser()
    private var queued: [String] = []
    private var finished = false
    private var _status: Int?
    private var _failure: Error?
    private var _errorBody = Data()

    var status: Int? { lock.withLock { _status } }
    var failure: Error? { lock.withLock { _failure } }
    var errorBody: Data { lock.withLock { _errorBody } }

    /// The next events, blocking until some arrive; nil once the stream has ended.
    func next() -> [String]? {
        while true {
            let (events, done) = lock.withLock { () -> ([String], Bool) in
                defer { queued.removeAll() }
                return (queued, finished)
            }
            if !events.isEmpty { return events }
            if done { return nil }
            ready.wait()
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        lock.withLock { _status = (response as? HTTPURLResponse)?.statusCode }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.withLock {
            if _status == 200 { queued += parser.feed(data) } else { _errorBody.append(data) }
        }
        ready.signal()
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.withLock {
            if _status == 200 { queued += parser.finish() }
            _failure = error
            finished = true
        }
        ready.signal()
    }
}
