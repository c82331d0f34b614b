import Foundation
import Hummingbird
import NIOCore
import RagTuneModels

/// `GET /v1/models`, `GET /v1/models/{id}`, `POST /v1/embeddings`, `/health` and `/ready`.
struct ModelRoutes: Sendable {
    let host: ModelHost
    let configuration: ServerConfiguration
    /// The tenants' collections, listed as `rag:NAME` models (nil without a data folder).
    /// The tenants' collections (nil without `--store`).
    let collections: (any CollectionCatalog)?

    func add(to router: Router<ServerRequestContext>) {
        router.get("/health") { _, _ in try json(["status": "ok"]) }
        router.get("/ready") { _, _ in ready() }
        router.get("/v1/models") { _, context in
            let catalog = try host.catalog()
            return try json(ModelList(data: try modelIds(catalog, context).map { ModelEntry(id: $0, created: catalog.created) }))
        }
        router.get("/v1/models/{id}") { _, context in
            let catalog = try host.catalog()
            let id = context.parameters.get("id") ?? "", known = try modelIds(catalog, context)
            guard known.contains(id) else { throw APIError.modelNotFound(id, known: known) }
            return try json(ModelEntry(id: id, created: catalog.created))
        }
        router.post("/v1/embeddings") { request, context in try await embed(request, context) }
    }

    /// The served models (the caller's tenant's adapters included), then its collections as `rag:NAME`.
    func modelIds(_ catalog: ModelCatalogView, _ context: ServerRequestContext) throws -> [String] {
        let served = catalog.modelIds(for: context.caller?.tenant)
        guard let collections, let caller = context.caller else { return served }
        return served + (try collections.names(tenant: caller.tenant)).map { "rag:" + $0 }
    }

    /// 200 once the models are loaded, else 503 saying whether they are loading or failed; with
    /// the model queue's state either way.
    func ready() -> Response {
        struct Status: Encodable {
            var status: String
            var models: [String]?
            var error: String?
            /// Requests waiting for the model, whether it is busy, and the completions decoding together.
            var waiting: Int
            var running: Bool
            var decoding: Int
        }
        let load = host.load
        let (status, body): (HTTPResponse.Status, Status)
        switch host.status {
        case .ready(let catalog):
            (status, body) = (.ok, Status(status: "ready", models: catalog.modelIds(for: nil), waiting: load.waiting,
                                          running: load.running, decoding: load.batched))
        case .loading:
            (status, body) = (.serviceUnavailable, Status(status: "loading", waiting: load.waiting, running: load.running,
                                                          decoding: load.batched))
        case .failed(let message):
            (status, body) = (.serviceUnavailable, Status(status: "failed", error: message, waiting: load.waiting,
                                                          running: load.running, decoding: load.batched))
        }
        return (try? json(body, status: status)) ?? Response(status: status)
    }

    /// OpenAI's embeddings endpoint over MiniLM: L2-normalized 384-d vectors, inputs longer than
    /// the model's 256 tokens cut there (as sentence-transformers does).
    func embed(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let body = try await decodeJSON(EmbeddingRequest.self, from: request, limit: configuration.maxRequestBytes)
        let catalog = try host.catalog()
        guard body.model == catalog.embedderName else {
            if catalog.isGenerator(body.model, tenant: context.caller?.tenant) {
                throw APIError.invalid("'\(body.model)' generates text; embeddings come from '\(catalog.embedderName)'",
                                       param: "model", code: "model_not_supported")
            }
            throw APIError.modelNotFound(body.model, known: catalog.modelIds(for: context.caller?.tenant))
        }
        let inputs = body.input.values
        guard !inputs.isEmpty else { throw APIError.invalid("input is an empty array", param: "input") }
        guard inputs.count <= 2048 else {
            throw APIError.invalid("input holds \(inputs.count) strings; at most 2048 per request", param: "input")
        }
        if let empty = inputs.firstIndex(where: { $0.isEmpty }) {
            throw APIError.invalid("input[\(empty)] is an empty string", param: "input")
        }
        if let dimensions = body.dimensions, dimensions != catalog.embeddingDimension {
            throw APIError.invalid("dimensions \(dimensions): this model's vectors have \(catalog.embeddingDimension)",
                                   param: "dimensions")
        }
        let base64: Bool
        switch body.encodingFormat ?? "float" {
        case "float": base64 = false
        case "base64": base64 = true
        case let other: throw APIError.invalid("encoding_format '\(other)' is not float or base64", param: "encoding_format")
        }
        let (vectors, tokens) = try await host.run(usesDecoder: false) { models in
            let ids = models.embedder.tokenize(inputs)
            return (try models.embedder.embed(tokenized: ids), ids.reduce(0) { $0 + $1.count })
        }
        let items = vectors.enumerated().map { index, vector in
            EmbeddingList.Item(index: index, embedding: base64 ? .base64(Self.base64(vector)) : .floats(vector))
        }
        return try json(EmbeddingList(data: items, model: body.model,
                                      usage: .init(promptTokens: tokens, totalTokens: tokens)))
    }

    /// Little-endian Float32 bytes in base64, as OpenAI's `encoding_format: base64`.
    static func base64(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
