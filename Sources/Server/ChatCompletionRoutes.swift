import Foundation
import Hummingbird
import Logging
import NIOCore

/// `POST /v1/chat/completions` and `POST /v1/completions`: the decoder behind OpenAI's wire
/// format, whole or streamed as server-sent events.
struct CompletionRoutes: Sendable {
    let host: ModelHost
    let configuration: ServerConfiguration
    /// The tenants' collections, answering `model: "rag:NAME"` (nil without a data folder).
    /// The tenants' collections (nil without `--store`).
    let collections: (any CollectionCatalog)?
    let metrics: ServerMetrics

    func add(to router: Router<ServerRequestContext>) {
        router.post("/v1/chat/completions") { request, context in try await chat(request, context) }
        router.post("/v1/completions") { request, context in try await complete(request, context) }
    }

    func chat(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let received = Date()
        let body = try await decodeJSON(ChatCompletionRequest.self, from: request, limit: configuration.maxRequestBytes)
        try body.checkSupported()
        if body.model.hasPrefix("rag:") { return try await ragChat(body, context) }
        let catalog = try host.catalog()
        let adapter = try catalog.adapter(forModel: body.model, tenant: context.caller?.tenant)
        let messages = try body.chatMessages()
        let promptIds = catalog.tokenizer.encode(catalog.template.pieces(messages, addGenerationPrompt: true))
        let maxTokensField = body.maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens"
        let generation = Generation(
            model: body.model, adapter: adapter, promptIds: promptIds,
            sampling: try Generation.sampling(temperature: body.temperature, topP: body.topP, seed: body.seed,
                                              frequencyPenalty: body.frequencyPenalty, presencePenalty: body.presencePenalty),
            stop: try Generation.stopCondition(maxTokens: body.maxCompletionTokens ?? body.maxTokens,
                                               maxTokensField: maxTokensField, stop: body.stop?.values,
                                               promptTokens: promptIds.count, contextLength: catalog.contextLength,
                                               limit: configuration.maxTokensLimit),
            received: received)
        let id = "chatcmpl-" + Self.randomId(), created = Int(Date().timeIntervalSince1970)
        let log = requestLog(context.logger, route: "chat.completions", generation: generation,
                             content: messages.last?.content ?? "")
        guard body.stream == true else {
            let outcome = try await host.generate(generation)
            log(outcome)
            return try json(ChatCompletion(
                id: id, object: "chat.completion", created: created, model: body.model,
                choices: [.init(message: .init(content: outcome.text), finishReason: outcome.finishReason)],
                usage: outcome.usage))
        }
        let model = body.model, includeUsage = body.streamOptions?.includeUsage == true
        @Sendable func chunk(_ delta: ChatChunkChoice.Delta, _ finishReason: String? = nil) throws -> ByteBuffer {
            try ServerSentEvents.event(ChatCompletionChunk(id: id, object: "chat.completion.chunk", created: created,
                                                           model: model, choices: [.init(delta: delta, finishReason: finishReason)]))
        }
        return try stream(
            generation, log: log, first: try chunk(.init(role: "assistant", content: "")),
            text: { try chunk(.init(content: $0)) },
            finish: { outcome in
                var events = [try chunk(.init(), outcome.finishReason)]
                if includeUsage {
                    events.append(try ServerSentEvents.event(ChatCompletionChunk(
                        id: id, object: "chat.completion.chunk", created: created, model: model, choices: [],
                        usage: outcome.usage)))
                }
                return events
            })
    }

    /// `model: "rag:NAME"`: the last user message answered from the caller's collection NAME, with
    /// the caller's ACL groups, as `POST /v1/collections/NAME/ask` does; the reply cites sources as
    /// [n] and lists them in `citations`. Earlier turns are not used for retrieval. A streamed reply
    /// arrives as one content chunk once the answer is grounded (a grounded answer can replace the
    /// generated text, so it is not streamed token by token).
    func ragChat(_ body: ChatCompletionRequest, _ context: ServerRequestContext) async throws -> Response {
        let caller = try CollectionRoutes.caller(context)
        guard let collections else {
            throw APIError.invalid("rag: models need a data folder or database (ragtune serve --store DIR|postgres://…)", param: "model")
        }
        let name = String(body.model.dropFirst("rag:".count))
        let store = try collections.existing(tenant: caller.tenant, collection: name, mode: .readOnly)
        guard let question = try body.chatMessages().last(where: { $0.role == "user" })?.content,
              !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError.invalid("a rag: model answers the last user message; there is none", param: "messages")
        }
        let answer = try await host.run { models in
            try CollectionRoutes.answer(question, store: store, readers: Set(caller.groups), filters: [],
                                        maxTokens: body.maxCompletionTokens ?? body.maxTokens, models: models)
        }
        let citations = answer.citations.map {
            Citation(number: $0.number, documentID: $0.chunk.documentID, source: $0.chunk.documentSource,
                     title: $0.chunk.documentTitle, chunk: $0.chunk.ordinal, start: $0.chunk.startOffset, end: $0.chunk.endOffset)
        }
        let usage = Usage(promptTokens: answer.promptTokens, completionTokens: answer.completionTokens)
        let id = "chatcmpl-" + Self.randomId(), created = Int(Date().timeIntervalSince1970)
        context.logger.info("chat.completions", metadata: [
            "model": "\(body.model)", "refused": "\(answer.refusal != nil)", "citations": "\(citations.count)",
            "prompt_tokens": "\(usage.promptTokens)", "completion_tokens": "\(usage.completionTokens)",
        ])
        guard body.stream == true else {
            return try json(ChatCompletion(id: id, object: "chat.completion", created: created, model: body.model,
                                           choices: [.init(message: .init(content: answer.answer), finishReason: "stop")],
                                           usage: usage, citations: citations))
        }
        func chunk(_ delta: ChatChunkChoice.Delta, _ finishReason: String? = nil, citations: [Citation]? = nil) throws -> ByteBuffer {
            try ServerSentEvents.event(ChatCompletionChunk(id: id, object: "chat.completion.chunk", created: created, model: body.model,
                                                           choices: [.init(delta: delta, finishReason: finishReason)],
                                                           citations: citations))
        }
        var events = [try chunk(.init(role: "assistant", content: "")), try chunk(.init(content: answer.answer)),
                      try chunk(.init(), "stop", citations: citations)]
        if body.streamOptions?.includeUsage == true {
            events.append(try ServerSentEvents.event(ChatCompletionChunk(
                id: id, object: "chat.completion.chunk", created: created, model: body.model, choices: [], usage: usage)))
        }
        events.append(ServerSentEvents.done)
        var buffer = ByteBuffer()
        for var event in events { buffer.writeBuffer(&event) }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                        body: ResponseBody(byteBuffer: buffer))
    }

    func complete(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let received = Date()
        let body = try await decodeJSON(CompletionRequest.self, from: request, limit: configuration.maxRequestBytes)
        try Generation.checkSingleChoice(body.n)
        guard body.prompt.values.count == 1 else {
            throw APIError.invalid("prompt holds \(body.prompt.values.count) strings; this server takes one per request",
                                   param: "prompt")
        }
        if body.echo == true { throw APIError.invalid("echo is not supported by this server", param: "echo") }
        if body.logprobs != nil { throw APIError.invalid("logprobs are not supported by this server", param: "logprobs") }
        if body.suffix != nil { throw APIError.invalid("suffix is not supported by this server", param: "suffix") }
        let catalog = try host.catalog()
        let adapter = try catalog.adapter(forModel: body.model, tenant: context.caller?.tenant)
        let promptIds = catalog.tokenizer.encode(body.prompt.values[0])
        guard !promptIds.isEmpty else { throw APIError.invalid("prompt is empty", param: "prompt") }
        let generation = Generation(
            model: body.model, adapter: adapter, promptIds: promptIds,
            sampling: try Generation.sampling(temperature: body.temperature, topP: body.topP, seed: body.seed,
                                              frequencyPenalty: body.frequencyPenalty, presencePenalty: body.presencePenalty),
            stop: try Generation.stopCondition(maxTokens: body.maxTokens ?? Self.defaultCompletionTokens(configuration),
                                               maxTokensField: "max_tokens",
                                               stop: body.stop?.values, promptTokens: promptIds.count,
                                               contextLength: catalog.contextLength, limit: configuration.maxTokensLimit),
            received: received)
        let id = "cmpl-" + Self.randomId(), created = Int(Date().timeIntervalSince1970)
        let log = requestLog(context.logger, route: "completions", generation: generation, content: body.prompt.values[0])
        guard body.stream == true else {
            let outcome = try await host.generate(generation)
            log(outcome)
            return try json(TextCompletion(id: id, object: "text_completion", created: created, model: body.model,
                                           choices: [.init(text: outcome.text, finishReason: outcome.finishReason)],
                                           usage: outcome.usage))
        }
        let model = body.model, includeUsage = body.streamOptions?.includeUsage == true
        @Sendable func chunk(_ text: String, _ finishReason: String? = nil) throws -> ByteBuffer {
            try ServerSentEvents.event(TextCompletion(id: id, object: "text_completion", created: created, model: model,
                                                      choices: [.init(text: text, finishReason: finishReason)]))
        }
        return try stream(
            generation, log: log, first: nil, text: { try chunk($0) },
            finish: { outcome in
                var events = [try chunk("", outcome.finishReason)]
                if includeUsage {
                    events.append(try ServerSentEvents.event(TextCompletion(
                        id: id, object: "text_completion", created: created, model: model, choices: [],
                        usage: outcome.usage)))
                }
                return events
            })
    }

    /// What the worker sends a streaming response.
    private enum StreamEvent: Sendable {
        case text(String)
        case finished(GenerationOutcome)
        case failed(String)
    }

    /// A 200 `text/event-stream` response whose events the generation writes as it goes. The job
    /// is queued before the response starts, so a full queue is still a 429. A client that goes
    /// away cancels the generation at its next token (the write fails), or before it starts.
    private func stream(_ generation: Generation, log: @escaping @Sendable (GenerationOutcome) -> Void, first: ByteBuffer?,
                        text: @escaping @Sendable (String) throws -> ByteBuffer,
                        finish: @escaping @Sendable (GenerationOutcome) throws -> [ByteBuffer]) throws -> Response {
        let (events, continuation) = AsyncStream<StreamEvent>.makeStream()
        let cancel = CancellationFlag()
        continuation.onTermination = { _ in cancel.cancel() }
        try host.submit(GenerationRequest(
            generation: generation, cancel: cancel, onText: { continuation.yield(.text($0)) },
            onFinish: { result in
                defer { continuation.finish() }
                switch result {
                case .success(let outcome):
                    log(outcome)
                    continuation.yield(.finished(outcome))
                case .failure(is CancellationError): break
                case .failure(let error): continuation.yield(.failed("\(error)"))
                }
            }))
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                defer { cancel.cancel() }
                if let first { try await writer.write(first) }
                for await event in events {
                    switch event {
                    case .text(let piece): try await writer.write(try text(piece))
                    case .finished(let outcome):
                        if outcome.finishReason != "cancelled" {
                            for buffer in try finish(outcome) { try await writer.write(buffer) }
                        }
                    case .failed(let message):
                        try await writer.write(ServerSentEvents.error(.internalError("generation failed: \(message)")))
                    }
                }
                try await writer.write(ServerSentEvents.done)
                try await writer.finish(nil)
            })
    }

    /// Logs one finished (or cancelled) generation and adds it to the metrics: sizes and timings,
    /// and the prompt's last text only with `log_content`.
    private func requestLog(_ logger: Logger, route: String, generation: Generation,
                            content: String) -> @Sendable (GenerationOutcome) -> Void {
        let logContent = configuration.logContent, metrics = self.metrics
        return { outcome in
            metrics.generation(outcome)
            var metadata: Logger.Metadata = [
                "model": "\(generation.model)", "prompt_tokens": "\(outcome.promptTokens)",
                "completion_tokens": "\(outcome.completionTokens)", "finish_reason": "\(outcome.finishReason)",
                "seconds": "\(String(format: "%.3f", outcome.seconds))",
            ]
            if logContent {
                metadata["prompt"] = "\(content)"
                metadata["completion"] = "\(outcome.text)"
            }
            logger.info("\(route)", metadata: metadata)
        }
    }

    /// A text completion's `max_tokens` when the request gives none: OpenAI's 16, or the server's
    /// lower `max_tokens_limit`.
    static func defaultCompletionTokens(_ configuration: ServerConfiguration) -> Int {
        configuration.maxTokensLimit > 0 ? min(16, configuration.maxTokensLimit) : 16
    }

    static func randomId() -> String {
        (0..<24).map { _ in String("0123456789abcdefghijklmnopqrstuvwxyz".randomElement()!) }.joined()
    }
}
