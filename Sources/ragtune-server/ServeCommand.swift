import ArgumentParser
import Foundation
import Logging
import RagTuneServer

/// `ragtune-server` (run as `ragtune serve`): the OpenAI-compatible API. Settings come from the
/// defaults, then `--config`, then `RAGTUNE_SERVE_*` variables, then these flags.
@main
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ragtune serve",
        abstract: "Serve SmolLM2, its LoRA adapters and MiniLM embeddings over an OpenAI-compatible HTTP API.",
        discussion: """
            Endpoints: POST /v1/chat/completions (stream: true for server-sent events; model rag:NAME answers from a \
            collection), POST /v1/completions, POST /v1/embeddings, GET /v1/models, the document API under \
            /v1/collections (with --store), GET /health, GET /ready, GET /metrics. Settings: a YAML file (--config; keys \
            host, port, threads, queue, batch_size, max_request_bytes, log_content, model_file, exact, adapters, tenant_adapters, store, \
            requests_per_minute, max_tokens_limit, max_upload_bytes, background_ingest_bytes), then the variables RAGTUNE_SERVE_HOST, _PORT, _THREADS, _QUEUE, _BATCH_SIZE, _MAX_REQUEST_BYTES, \
            _LOG_CONTENT, _MODEL_FILE, _EXACT, _ADAPTERS (name=path,…), _STORE, _REQUESTS_PER_MINUTE, _MAX_TOKENS_LIMIT, \
            _MAX_UPLOAD_BYTES and _BACKGROUND_INGEST_BYTES, then the flags. \
            With --store, every /v1/ route needs 'Authorization: Bearer <key>' (ragtune keys create). SIGTERM or SIGINT finishes the requests in flight, \
            then exits.
            """)

    @Option(help: ArgumentHelp("A YAML file of settings.", valueName: "serve.yaml"))
    var config: String?

    @Option(help: "Address to listen on (default 127.0.0.1: this machine only).")
    var host: String?

    @Option(help: "TCP port (default 8080; 0 picks a free one).")
    var port: Int?

    @Option(help: "Worker threads of the decoder and the embedder (default 2).")
    var threads: Int?

    @Option(help: "Requests that may wait for the model; one more gets 429 server_busy (default 64).")
    var queue: Int?

    @Option(name: .customLong("batch-size"), help: "Completions decoding together (continuous batching; default 16).")
    var batchSize: Int?

    @Option(name: .customLong("max-request-bytes"), help: "Largest request body in bytes; larger gets 413 (default 1 MiB).")
    var maxRequestBytes: Int?

    @Flag(name: .customLong("log-content"), help: "Write prompts and completions to the log (default: sizes and timings only).")
    var logContent = false

    @Option(name: .customLong("model-file"), help: ArgumentHelp("A Llama GGUF to serve instead of SmolLM2.", valueName: "file.gguf"))
    var modelFile: String?

    @Flag(help: "Decode with Float32 activations instead of the int8 products.")
    var exact = false

    @Option(help: ArgumentHelp("Data folder or postgres:// URL: API keys (`ragtune keys create --store DIR|URL`) and tenants' "
                               + "collections; several servers may share one database. Set, every /v1/ route needs a key; "
                               + "unset, the server is open.", valueName: "DIR|URL"))
    var store: String?

    @Option(name: .customLong("requests-per-minute"), help: "Requests per minute per API key; 0: no limit (default 600).")
    var requestsPerMinute: Int?

    @Option(name: .customLong("max-tokens-limit"),
            help: "Most tokens one completion may generate; 0: the rest of the context (default 0).")
    var maxTokensLimit: Int?

    @Option(name: .customLong("adapter"),
            help: ArgumentHelp("Serve a LoRA adapter as smollm2+NAME (repeatable): a PEFT folder or llama.cpp LoRA .gguf.",
                               valueName: "NAME=PATH"))
    var adapters: [String] = []

    func run() async throws {
        var settings = try config.map(ServerConfiguration.load(file:)) ?? ServerConfiguration()
        try settings.apply(environment: ProcessInfo.processInfo.environment)
        if let host { settings.host = host }
        if let port { settings.port = port }
        if let threads { settings.threads = threads }
        if let queue { settings.queue = queue }
        if let batchSize { settings.batchSize = batchSize }
        if let maxRequestBytes { settings.maxRequestBytes = maxRequestBytes }
        if logContent { settings.logContent = true }
        if let modelFile { settings.modelFile = modelFile }
        if exact { settings.exact = true }
        if let store { settings.store = store }
        if let requestsPerMinute { settings.requestsPerMinute = requestsPerMinute }
        if let maxTokensLimit { settings.maxTokensLimit = maxTokensLimit }
        for entry in adapters {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--adapter '\(entry)' is not NAME=PATH")
            }
            settings.adapters[parts[0]] = parts[1]
        }
        let server: RagTuneServer
        do {
            server = try RagTuneServer(configuration: settings)
        } catch let error as ServerConfigurationError {
            throw ValidationError(error.description)
        }
        var logger = Logger(label: "ragtune.serve")
        logger.logLevel = .info
        if settings.store == nil && !["127.0.0.1", "localhost", "::1"].contains(settings.host) {
            logger.warning("listening on \(settings.host) without --store: no API keys, anyone who can reach the port may use it")
        }
        try await server.run(logger: logger) { address in
            // The one line on stdout, for scripts (with --port 0 it names the port chosen).
            FileHandle.standardOutput.write(Data("ragtune serve: listening on \(address)\n".utf8))
        }
    }
}
