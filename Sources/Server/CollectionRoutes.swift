import Foundation
import Hummingbird
import RagTuneModels
import RagTuneRAG
import RagTuneRetrieval
import RagTuneStorage

/// The document API over a tenant's collections, and the RAG answers behind `model: "rag:NAME"`.
/// Every route acts for the caller's tenant only and reads with the caller's ACL groups, so a
/// restricted document is filtered out before ranking, as `--user` does in the CLI. Model work and
/// store writes run on the model worker, one at a time.
struct CollectionRoutes: Sendable {
    let host: ModelHost
    let configuration: ServerConfiguration
    let collections: any CollectionCatalog
    let jobs: IngestJobs

    func add(to router: Router<ServerRequestContext>) {
        router.get("/v1/collections") { _, context in try list(context) }
        router.post("/v1/collections/{collection}/documents") { request, context in try await upload(request, context) }
        router.get("/v1/collections/{collection}/documents") { _, context in try await documents(context) }
        router.delete("/v1/collections/{collection}/documents/{id}") { _, context in try await delete(context) }
        router.post("/v1/collections/{collection}/search") { request, context in try await search(request, context) }
        router.post("/v1/collections/{collection}/ask") { request, context in try await ask(request, context) }
        router.get("/v1/jobs/{id}") { _, context in
            let caller = try Self.caller(context), id = context.parameters.get("id") ?? ""
            guard let job = try jobs.job(id, tenant: caller.tenant) else { throw APIError.notFound("No job '\(id)'") }
            return try json(job)
        }
    }

    /// The caller, which the key check always sets on a server with a data folder.
    static func caller(_ context: ServerRequestContext) throws -> Caller {
        guard let caller = context.caller else {
            throw APIError.invalid("Collections need a data folder and API keys (ragtune serve --store DIR)")
        }
        return caller
    }

    private func collection(_ context: ServerRequestContext) -> String { context.parameters.get("collection") ?? "" }

    func list(_ context: ServerRequestContext) throws -> Response {
        struct Entry: Encodable { var id: String; var object = "collection" }
        struct List: Encodable { var object = "list"; var data: [Entry] }
        let caller = try Self.caller(context)
        return try json(List(data: collections.names(tenant: caller.tenant).map { Entry(id: $0) }))
    }

    /// A JSON (`{"documents": [...]}` or one document) or `multipart/form-data` (files) upload.
    /// Larger than `background_ingest_bytes` (or with `?background=true`) it ingests in the
    /// background: 202 and a job (`GET /v1/jobs/{id}`); otherwise 200 with the counts.
    func upload(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let caller = try Self.caller(context)
        let name = collection(context), collections = self.collections
        try collections.validate(collection: name)
        let buffer = try await request.body.collect(upTo: configuration.maxUploadBytes)
        let documents: [SourceDocument]
        if let boundary = MultipartUpload.boundary(contentType: request.headers[.contentType]) {
            documents = try MultipartUpload.documents(MultipartUpload.parts(of: buffer, boundary: boundary))
        } else {
            let body = try decodeJSON(DocumentUpload.self, from: buffer)
            guard !body.documents.isEmpty else { throw APIError.invalid("documents is empty", param: "documents") }
            documents = try body.documents.enumerated().map { try $1.sourceDocument(at: $0) }
        }
        if let bad = documents.flatMap(\.acl).first(where: { !APIKeyStore.isValidName($0) }) {
            throw APIError.invalid("acl: '\(bad)' is not a group name (1-64 of A-Z a-z 0-9 . _ -)", param: "acl")
        }
        if let repeated = Dictionary(grouping: documents, by: \.id).first(where: { $0.value.count > 1 })?.key {
            throw APIError.invalid("document id '\(repeated)' appears twice in one upload", param: "documents")
        }
        let background: Bool
        switch request.uri.queryParameters.get("background") {
        case "true"?: background = true
        case "false"?: background = false
        case nil: background = buffer.readableBytes > configuration.backgroundIngestBytes
        case let other?: throw APIError.invalid("background=\(other) is not true or false", param: "background")
        }
        guard background else {
            let summary = try await host.run(usesDecoder: false) { models in
                try Self.ingest(documents, into: collections.forUpload(tenant: caller.tenant, collection: name), models: models)
            }
            return try json(summary)
        }
        let job = try jobs.add(tenant: caller.tenant, collection: name, documents: documents.count)
        let jobs = self.jobs
        do {
            try host.submit(usesDecoder: false) { models in
                jobs.update(job.id) { $0.status = "running" }
                do {
                    let summary = try Self.ingest(documents, into: collections.forUpload(tenant: caller.tenant, collection: name),
                                                  models: models)
                    jobs.update(job.id) { $0.status = "succeeded"; $0.result = summary }
                } catch {
                    jobs.update(job.id) { $0.status = "failed"; $0.error = (error as? APIError)?.message ?? "\(error)" }
                }
                jobs.update(job.id) { $0.finishedAt = Int(Date().timeIntervalSince1970) }
            }
        } catch {
            jobs.update(job.id) { $0.status = "failed"; $0.error = "not queued: \((error as? APIError)?.message ?? "\(error)")" }
            throw error
        }
        return try json(job, status: .accepted)
    }

    /// Stores `documents` (upsert by id and content hash) and brings the saved indexes up to date.
    static func ingest(_ documents: [SourceDocument], into store: AnyDocumentStore, models: ServedModels) throws -> UploadSummary {
        let ingestor = StoreIngestor(store: store, chunker: try TextChunker.miniLM(models.embedder, maxTokens: 200, overlap: 32),
                                     embed: models.embedder.embed)
        let counts = try ingestor.ingest(documents)
        if !counts.conflicts.isEmpty {
            throw APIError.invalid(counts.conflicts.map(\.description).joined(separator: "; "), param: "documents")
        }
        try StoreIndexes(storePath: store.path).refresh(store)
        return UploadSummary(added: counts.added, replaced: counts.replaced, updated: counts.updated,
                             unchanged: counts.unchanged, chunks: counts.chunks)
    }

    func documents(_ context: ServerRequestContext) async throws -> Response {
        struct List: Encodable { var object = "list"; var data: [DocumentEntry] }
        let caller = try Self.caller(context)
        let store = try collections.existing(tenant: caller.tenant, collection: collection(context), mode: .readOnly)
        let entries = try await host.run(usesDecoder: false) { _ in try Self.visibleDocuments(store, readers: Set(caller.groups)) }
        return try json(List(data: entries))
    }

    /// The documents of `store` that `readers` may see, by id.
    static func visibleDocuments(_ store: AnyDocumentStore, readers: Set<String>) throws -> [DocumentEntry] {
        let chunks = try store.chunks().filter { $0.isVisible(toAnyOf: readers) }
        return Dictionary(grouping: chunks, by: \.documentID).map { id, chunks in
            DocumentEntry(id: id, title: chunks[0].documentTitle, source: chunks[0].documentSource,
                          metadata: chunks[0].metadata, acl: chunks[0].acl, chunks: chunks.count)
        }.sorted { $0.id < $1.id }
    }

    func delete(_ context: ServerRequestContext) async throws -> Response {
        struct Deleted: Encodable { var id: String; var object = "document"; var deleted = true }
        let caller = try Self.caller(context)
        let store = try collections.existing(tenant: caller.tenant, collection: collection(context), mode: .readWrite)
        let id = context.parameters.get("id") ?? ""
        try await host.run(usesDecoder: false) { _ in
            // A document the caller cannot see is as absent as one that does not exist.
            guard try Self.visibleDocuments(store, readers: Set(caller.groups)).contains(where: { $0.id == id }) else {
                throw APIError.notFound("No document '\(id)' in this collection")
            }
            try store.remove([id])
            try StoreIndexes(storePath: store.path).refresh(store)
        }
        return try json(Deleted(id: id))
    }

    func search(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let caller = try Self.caller(context)
        let store = try collections.existing(tenant: caller.tenant, collection: collection(context), mode: .readOnly)
        let body = try await decodeJSON(CollectionSearchRequest.self, from: request, limit: configuration.maxRequestBytes)
        var search = SearchRequest(query: body.query)
        if let mode = body.mode {
            guard let parsed = SearchMode(rawValue: mode) else {
                throw APIError.invalid("mode '\(mode)' is not bm25, dense or hybrid", param: "mode")
            }
            search.mode = parsed
        }
        if let k = body.k {
            guard (1...100).contains(k) else { throw APIError.invalid("k \(k) must be in 1...100", param: "k") }
            search.k = k
        }
        search.groups = caller.groups
        search.filters = (body.filters ?? [:]).sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        let query = search
        let results = try await host.run(usesDecoder: false) { models in
            try StoreSearch.run(query, store: store, embed: models.embedder.embed)
        }
        return try json(results)
    }

    func ask(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let caller = try Self.caller(context)
        let store = try collections.existing(tenant: caller.tenant, collection: collection(context), mode: .readOnly)
        let body = try await decodeJSON(CollectionAskRequest.self, from: request, limit: configuration.maxRequestBytes)
        guard !body.question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError.invalid("question is empty", param: "question")
        }
        let filters = (body.filters ?? [:]).sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        let answer = try await host.run { models in
            try Self.answer(body.question, store: store, readers: Set(caller.groups), filters: filters,
                            maxTokens: body.maxTokens, models: models)
        }
        return try json(answer)
    }

    /// RAG's answer from the collection `store` (the CLI's `ask` defaults), as `readers` may see it.
    static func answer(_ question: String, store: AnyDocumentStore, readers: Set<String>, filters: [(key: String, value: String)],
                       maxTokens: Int?, models: ServedModels) throws -> RAGAnswer {
        try models.use(adapter: nil)
        var settings = RAGConfiguration()
        if let maxTokens {
            guard (1...1024).contains(maxTokens) else { throw APIError.invalid("max_tokens \(maxTokens) must be in 1...1024", param: "max_tokens") }
            settings.maxAnswerTokens = maxTokens
        }
        let pipeline = try RAGPipeline(store: store, configuration: settings,
                                       generator: LocalGenerator(models.generator), embed: models.embedder.embed,
                                       threads: models.generator.session.threads)
        return try pipeline.answer(question, readers: readers, filters: filters)
    }
}
