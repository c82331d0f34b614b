import Foundation
import RagTuneModels
import Yams

/// Everything `ragtune serve` can be told, from (lowest precedence first) built-in defaults, a YAML
/// file (`--config serve.yaml`), `RAGTUNE_SERVE_*` environment variables and command-line flags.
public struct ServerConfiguration: Sendable, Equatable, Codable {
    /// Address to listen on; loopback unless the operator opens it up.
    public var host = "127.0.0.1"
    /// TCP port (0: any free port, reported when the server is up).
    public var port = 8080
    /// Worker threads of the decoder and the embedder.
    public var threads = 2
    /// Requests that may wait for the model while the decode batch and a job run; one more gets
    /// 429 `server_busy` with `Retry-After`.
    public var queue = 64
    /// Completions decoding together (continuous batching); each holds a KV cache of up to the
    /// context's length (46 KB per position for SmolLM2-135M).
    public var batchSize = 16
    /// Largest request body in bytes; a larger one gets 413.
    public var maxRequestBytes = 1 << 20
    /// Whether prompts and generated text may be written to the log (off: only sizes and timings).
    public var logContent = false
    /// A Llama GGUF served instead of the installed SmolLM2 (e.g. one written by `ragtune merge`).
    public var modelFile: String?
    /// Decode with Float32 activations instead of the default int8 products.
    public var exact = false
    /// LoRA adapters served as `smollm2+NAME` to every caller: name → PEFT folder or llama.cpp LoRA .gguf.
    public var adapters: [String: String] = [:]
    /// Adapters only one tenant's keys see: tenant → (name → path). Needs `store` (keys name the tenant).
    public var tenantAdapters: [String: [String: String]] = [:]
    /// The data folder or `postgres://` database: API keys (`ragtune keys`) and, per tenant,
    /// collections (SQLite files in a folder; schemas in a database, which several server processes
    /// may share). Set, every `/v1/` route needs a key; unset, the server is open (as llama.cpp's
    /// server without `--api-key`).
    public var store: String?
    /// Requests per minute per API key (0: no limit); one more gets 429 with `Retry-After`.
    public var requestsPerMinute = 600
    /// Most tokens one completion may generate (0: the rest of the context); a larger `max_tokens`
    /// gets 400, a missing one means this limit.
    public var maxTokensLimit = 0
    /// Largest document upload in bytes (JSON or multipart); a larger one gets 413.
    public var maxUploadBytes = 50 << 20
    /// Uploads larger than this many bytes ingest in the background (202 and a job id) unless the
    /// request says `?background=false`; `?background=true` sends a smaller one there too.
    public var backgroundIngestBytes = 1 << 20

    public init() {}

    /// The decoder's name in `model`: `smollm2`, or the `model_file`'s name without its extension.
    var generatorName: String {
        modelFile.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? ModelCatalog.smollm2.name
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case host, port, threads, queue, batchSize = "batch_size", maxRequestBytes = "max_request_bytes", logContent = "log_content",
             modelFile = "model_file", exact, adapters, tenantAdapters = "tenant_adapters", store, requestsPerMinute = "requests_per_minute", maxTokensLimit = "max_tokens_limit",
             maxUploadBytes = "max_upload_bytes", backgroundIngestBytes = "background_ingest_bytes"
    }

    /// Reads only the keys present; unknown keys are an error naming them, as a typo must not pass silently.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
            .filter { key in !CodingKeys.allCases.contains { $0.stringValue == key } }
        if let key = unknown.first {
            throw ServerConfigurationError.invalid(
                "unknown key '\(key)' (known: \(CodingKeys.allCases.map(\.stringValue).joined(separator: ", ")))")
        }
        let d = ServerConfiguration()
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? d.host
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? d.port
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
        queue = try c.decodeIfPresent(Int.self, forKey: .queue) ?? d.queue
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        maxRequestBytes = try c.decodeIfPresent(Int.self, forKey: .maxRequestBytes) ?? d.maxRequestBytes
        logContent = try c.decodeIfPresent(Bool.self, forKey: .logContent) ?? d.logContent
        modelFile = try c.decodeIfPresent(String.self, forKey: .modelFile)
        exact = try c.decodeIfPresent(Bool.self, forKey: .exact) ?? d.exact
        adapters = try c.decodeIfPresent([String: String].self, forKey: .adapters) ?? d.adapters
        tenantAdapters = try c.decodeIfPresent([String: [String: String]].self, forKey: .tenantAdapters) ?? d.tenantAdapters
        store = try c.decodeIfPresent(String.self, forKey: .store)
        requestsPerMinute = try c.decodeIfPresent(Int.self, forKey: .requestsPerMinute) ?? d.requestsPerMinute
        maxTokensLimit = try c.decodeIfPresent(Int.self, forKey: .maxTokensLimit) ?? d.maxTokensLimit
        maxUploadBytes = try c.decodeIfPresent(Int.self, forKey: .maxUploadBytes) ?? d.maxUploadBytes
        backgroundIngestBytes = try c.decodeIfPresent(Int.self, forKey: .backgroundIngestBytes) ?? d.backgroundIngestBytes
    }

    /// The configuration in the YAML file at `path`.
    /// - Throws: `ServerConfigurationError` naming the file and the key at fault.
    public static func load(file path: String) throws -> ServerConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ServerConfigurationError.invalid("\(path): cannot read the file as UTF-8 text (\(error.localizedDescription))")
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return ServerConfiguration() }
        do {
            return try YAMLDecoder().decode(ServerConfiguration.self, from: text)
        } catch let error as ServerConfigurationError {
            throw ServerConfigurationError.invalid("\(path): \(error.description)")
        } catch let DecodingError.typeMismatch(type, context), let DecodingError.valueNotFound(type, context) {
            throw ServerConfigurationError.invalid(
                "\(path): '\(context.codingPath.map(\.stringValue).joined(separator: "."))' must be \(type)")
        } catch {
            throw ServerConfigurationError.invalid("\(path): not a YAML mapping of settings (\(error))")
        }
    }

    /// Applies the `RAGTUNE_SERVE_*` variables that are set: HOST, PORT, THREADS, QUEUE,
    /// BATCH_SIZE, MAX_REQUEST_BYTES, LOG_CONTENT (1/0, true/false), MODEL_FILE, EXACT, ADAPTERS
    /// (`name=path,name=path`, added to the file's), STORE, REQUESTS_PER_MINUTE, MAX_TOKENS_LIMIT,
    /// MAX_UPLOAD_BYTES and BACKGROUND_INGEST_BYTES.
    /// - Throws: `ServerConfigurationError` naming the variable whose value does not parse.
    public mutating func apply(environment: [String: String]) throws {
        func value(_ name: String) -> String? {
            environment["RAGTUNE_SERVE_" + name].flatMap { $0.isEmpty ? nil : $0 }
        }
        func integer(_ name: String) throws -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text) else {
                throw ServerConfigurationError.invalid("RAGTUNE_SERVE_\(name)=\(text) is not an integer")
            }
            return number
        }
        func flag(_ name: String) throws -> Bool? {
            guard let text = value(name)?.lowercased() else { return nil }
            switch text {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw ServerConfigurationError.invalid("RAGTUNE_SERVE_\(name)=\(text) is not true/false or 1/0")
            }
        }
        if let v = value("HOST") { host = v }
        if let v = try integer("PORT") { port = v }
        if let v = try integer("THREADS") { threads = v }
        if let v = try integer("QUEUE") { queue = v }
        if let v = try integer("BATCH_SIZE") { batchSize = v }
        if let v = try integer("MAX_REQUEST_BYTES") { maxRequestBytes = v }
        if let v = try flag("LOG_CONTENT") { logContent = v }
        if let v = value("MODEL_FILE") { modelFile = v }
        if let v = try flag("EXACT") { exact = v }
        if let v = value("STORE") { store = v }
        if let v = try integer("REQUESTS_PER_MINUTE") { requestsPerMinute = v }
        if let v = try integer("MAX_TOKENS_LIMIT") { maxTokensLimit = v }
        if let v = try integer("MAX_UPLOAD_BYTES") { maxUploadBytes = v }
        if let v = try integer("BACKGROUND_INGEST_BYTES") { backgroundIngestBytes = v }
        if let list = value("ADAPTERS") {
            for entry in list.split(separator: ",") {
                let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw ServerConfigurationError.invalid("RAGTUNE_SERVE_ADAPTERS: '\(entry)' is not name=path")
                }
                adapters[parts[0]] = parts[1]
            }
        }
    }

    /// Throws `ServerConfigurationError` naming the first setting out of range.
    public func validate() throws {
        guard !host.isEmpty else { throw ServerConfigurationError.invalid("host is empty") }
        guard (0...65_535).contains(port) else { throw ServerConfigurationError.invalid("port \(port) is not in 0...65535") }
        guard (1...64).contains(threads) else { throw ServerConfigurationError.invalid("threads \(threads) is not in 1...64") }
        guard queue >= 0 else { throw ServerConfigurationError.invalid("queue \(queue) must be >= 0") }
        guard (1...256).contains(batchSize) else {
            throw ServerConfigurationError.invalid("batch_size \(batchSize) is not in 1...256")
        }
        guard requestsPerMinute >= 0 else {
            throw ServerConfigurationError.invalid("requests_per_minute \(requestsPerMinute) must be >= 0 (0: no limit)")
        }
        if let store, store.isEmpty { throw ServerConfigurationError.invalid("store is empty") }
        guard maxUploadBytes >= 1024, backgroundIngestBytes >= 0 else {
            throw ServerConfigurationError.invalid("max_upload_bytes must be at least 1024 and background_ingest_bytes >= 0")
        }
        guard maxTokensLimit >= 0 else {
            throw ServerConfigurationError.invalid("max_tokens_limit \(maxTokensLimit) must be >= 0 (0: the rest of the context)")
        }
        guard maxRequestBytes >= 1024 else {
            throw ServerConfigurationError.invalid("max_request_bytes \(maxRequestBytes) must be at least 1024")
        }
        for name in (adapters.keys + tenantAdapters.values.flatMap(\.keys)).sorted() where !AdapterName.isValid(name) {
            throw ServerConfigurationError.invalid(
                "adapter name '\(name)' may hold only letters, digits, '-', '_' and '.'")
        }
        if !tenantAdapters.isEmpty && store == nil {
            throw ServerConfigurationError.invalid("tenant_adapters need a data folder (store): keys say which tenant calls")
        }
        for (tenant, names) in tenantAdapters.sorted(by: { $0.key < $1.key }) {
            if let clash = names.keys.sorted().first(where: { adapters[$0] != nil }) {
                throw ServerConfigurationError.invalid("tenant_adapters.\(tenant).\(clash) has the name of a server-wide adapter")
            }
        }
    }
}

/// A setting that cannot be used, with the file, variable or key at fault.
public enum ServerConfigurationError: Error, CustomStringConvertible, Equatable {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): return message
        }
    }
}

/// Adapter names as they appear in `model` (`smollm2+NAME`).
enum AdapterName {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}

/// Any key of a keyed container, to list the keys a file holds.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
