import Foundation

/// The OpenAPI 3.1 document served at `/openapi.json`, built from the same settings as the routes
/// (which routes exist depends on the data folder; `max_tokens`' maximum is `max_tokens_limit`).
/// `OpenAPIDocumentTests` checks that it lists exactly the routes the router answers.
enum OpenAPIDocument {
    typealias JSON = [String: Any]

    static func json(_ configuration: ServerConfiguration) -> Data {
        (try? JSONSerialization.data(withJSONObject: document(configuration), options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    static func document(_ configuration: ServerConfiguration) -> JSON {
        let keys = configuration.store != nil
        // one server-sent event: `data` is a JSON chunk, or `[DONE]` at the end
        let sseEvent = object(["data": string(), "event": string()], required: ["data"])
        var paths: JSON = [
            "/health": ["get": operation("health", "The process is up", responses: ["200": body(object(["status": string()]))], open: true)],
            "/ready": ["get": operation("ready", "The models are loaded (503 while loading or after a failed load)",
                                        responses: ["200": body(ref("Ready")), "503": body(ref("Ready"))], open: true)],
            "/metrics": ["get": operation("metrics", "Prometheus text exposition",
                                          responses: ["200": ["description": "metrics", "content": ["text/plain": ["schema": string()]]]],
                                          open: true)],
            "/openapi.json": ["get": operation("openapi", "This document", responses: ["200": body(object([:]))], open: true)],
            "/v1/models": ["get": operation("listModels", "The served models (and the caller's rag: collections)",
                                            responses: ["200": body(ref("ModelList"))], keys: keys)],
            "/v1/models/{id}": ["get": operation("getModel", "One served model", parameters: [path("id")],
                                                 responses: ["200": body(ref("Model")), "404": error()], keys: keys)],
            "/v1/chat/completions": ["post": operation(
                "createChatCompletion", "A chat reply, whole or streamed as server-sent events (stream: true)",
                request: ref("ChatCompletionRequest"),
                responses: ["200": ["description": "the completion, or an event stream",
                                    "content": ["application/json": ["schema": ref("ChatCompletion")],
                                                "text/event-stream": ["schema": sseEvent]]],
                            "400": error(), "404": error(), "413": error()], keys: keys)],
            "/v1/completions": ["post": operation(
                "createCompletion", "The prompt continued, whole or streamed", request: ref("CompletionRequest"),
                responses: ["200": ["description": "the completion, or an event stream",
                                    "content": ["application/json": ["schema": ref("TextCompletion")],
                                                "text/event-stream": ["schema": sseEvent]]],
                            "400": error(), "404": error(), "413": error()], keys: keys)],
            "/v1/embeddings": ["post": operation(
                "createEmbedding", "MiniLM embeddings", request: ref("EmbeddingRequest"),
                responses: ["200": body(ref("EmbeddingList")), "400": error(), "404": error(), "413": error()], keys: keys)],
        ]
        if keys {
            let collection = path("collection")
            paths["/v1/collections"] = ["get": operation("listCollections", "The caller's collections",
                                                         responses: ["200": body(ref("List"))], keys: true)]
            paths["/v1/collections/{collection}/documents"] = [
                "post": uploadOperation(collection),
                "get": operation("listDocuments", "The documents the caller may see", parameters: [collection],
                                 responses: ["200": body(ref("List")), "400": error(), "404": error()], keys: true),
            ]
            paths["/v1/collections/{collection}/documents/{id}"] = [
                "delete": operation("deleteDocument", "Remove a document the caller may see", parameters: [collection, path("id")],
                                    responses: ["200": body(object(["id": string(), "object": string(), "deleted": ["type": "boolean"]])),
                                                "400": error(), "404": error()], keys: true),
            ]
            paths["/v1/jobs/{id}"] = ["get": operation("getJob", "A background upload's state", parameters: [path("id")],
                                                       responses: ["200": body(ref("Job")), "404": error()], keys: true)]
            paths["/v1/collections/{collection}/search"] = [
                "post": operation("searchCollection", "Ranked chunks", parameters: [collection], request: ref("SearchRequest"),
                                  responses: ["200": body(object(["query": string(), "results": ["type": "array"]])),
                                              "400": error(), "404": error()], keys: true),
            ]
            paths["/v1/collections/{collection}/ask"] = [
                "post": operation("askCollection", "A cited RAG answer", parameters: [collection], request: ref("AskRequest"),
                                  responses: ["200": body(object(["answer": string(), "citations": ["type": "array"]])),
                                              "400": error(), "404": error()], keys: true),
            ]
        }
        var components: JSON = ["schemas": schemas(configuration)]
        if keys { components["securitySchemes"] = ["apiKey": ["type": "http", "scheme": "bearer"]] }
        return [
            "openapi": "3.1.0",
            "info": ["title": "RagTune", "version": "1",
                     "description": "OpenAI-compatible API over RagTune's models, and its document API"],
            "paths": paths,
            "components": components,
        ]
    }

    // MARK: - Schemas

    private static func schemas(_ configuration: ServerConfiguration) -> JSON {
        let generator = configuration.generatorName
        let generators = [generator] + configuration.adapters.keys.sorted().map { "\(generator)+\($0)" }
        var maxTokens: JSON = ["type": "integer", "minimum": 1]
        if configuration.maxTokensLimit > 0 { maxTokens["maximum"] = configuration.maxTokensLimit }
        let stop: JSON = ["oneOf": [string(), ["type": "array", "items": ["type": "string", "minLength": 1], "maxItems": 4]]]
        let sampling: JSON = [
            "temperature": ["type": "number", "minimum": 0, "maximum": 2],
            "top_p": ["type": "number", "exclusiveMinimum": 0, "maximum": 1],
            "frequency_penalty": ["type": "number", "minimum": -2, "maximum": 2],
            "presence_penalty": ["type": "number", "minimum": -2, "maximum": 2],
            "seed": ["type": "integer"], "n": ["type": "integer", "const": 1],
            "stream": ["type": "boolean"],
            "stream_options": object(["include_usage": ["type": "boolean"]]),
            "stop": stop, "max_tokens": maxTokens,
        ]
        let usage = object(["prompt_tokens": integer(), "completion_tokens": integer(), "total_tokens": integer()],
                           required: ["prompt_tokens", "completion_tokens", "total_tokens"])
        let message: JSON = object([
            "role": ["type": "string", "enum": ["system", "developer", "user", "assistant"]],
            "content": ["oneOf": [string(), ["type": "array", "items": object(["type": ["const": "text"], "text": string()],
                                                                              required: ["type", "text"])]]],
        ], required: ["role", "content"])
        return [
            "Error": object(["error": object(["message": string(), "type": string(),
                                              "param": ["type": ["string", "null"]], "code": ["type": ["string", "null"]]],
                                             required: ["message", "type", "param", "code"])], required: ["error"]),
            "Ready": object(["status": ["type": "string", "enum": ["ready", "loading", "failed"]], "waiting": integer(),
                             "running": ["type": "boolean"], "decoding": integer(), "models": ["type": "array", "items": string()], "error": string()],
                            required: ["status", "waiting", "running", "decoding"]),
            "Model": object(["id": string(), "object": ["const": "model"], "created": integer(), "owned_by": string()],
                            required: ["id", "object", "created", "owned_by"]),
            "ModelList": object(["object": ["const": "list"], "data": ["type": "array", "items": ref("Model")]],
                                required: ["object", "data"]),
            "List": object(["object": ["const": "list"], "data": ["type": "array"]], required: ["object", "data"]),
            "ChatCompletionRequest": object(sampling.merging([
                "model": ["type": "string", "examples": generators + (configuration.store != nil ? ["rag:NAME"] : [])],
                "messages": ["type": "array", "items": message, "minItems": 1],
                "max_completion_tokens": maxTokens,
            ]) { $1 }, required: ["model", "messages"]),
            "CompletionRequest": object(sampling.merging(["model": ["type": "string", "examples": generators],
                                                          "prompt": ["type": "string", "minLength": 1]]) { $1 },
                                        required: ["model", "prompt"]),
            "EmbeddingRequest": object([
                "model": ["type": "string", "examples": ["minilm"]],
                "input": ["oneOf": [["type": "string", "minLength": 1],
                                    ["type": "array", "items": ["type": "string", "minLength": 1], "minItems": 1, "maxItems": 2048]]],
                "encoding_format": ["type": "string", "enum": ["float", "base64"]],
                "dimensions": ["type": "integer", "const": 384], // MiniLM's only size
            ], required: ["model", "input"]),
            "ChatCompletion": object([
                "id": string(), "object": ["const": "chat.completion"], "created": integer(), "model": string(),
                "choices": ["type": "array", "items": object([
                    "index": integer(), "finish_reason": string(),
                    "message": object(["role": ["const": "assistant"], "content": string()], required: ["role", "content"]),
                ], required: ["index", "message", "finish_reason"])],
                "usage": usage, "citations": ["type": "array"],
            ], required: ["id", "object", "created", "model", "choices", "usage"]),
            "TextCompletion": object([
                "id": string(), "object": ["const": "text_completion"], "created": integer(), "model": string(),
                "choices": ["type": "array", "items": object(["index": integer(), "text": string(),
                                                              "finish_reason": ["type": ["string", "null"]]],
                                                             required: ["index", "text", "finish_reason"])],
                "usage": usage,
            ], required: ["id", "object", "created", "model", "choices"]),
            "EmbeddingList": object([
                "object": ["const": "list"], "model": string(),
                "data": ["type": "array", "items": object([
                    "object": ["const": "embedding"], "index": integer(),
                    "embedding": ["oneOf": [["type": "array", "items": ["type": "number"]], string()]],
                ], required: ["object", "index", "embedding"])],
                "usage": object(["prompt_tokens": integer(), "total_tokens": integer()]),
            ], required: ["object", "model", "data", "usage"]),
            "DocumentUpload": object(["documents": ["type": "array", "minItems": 1, "items": object([
                "id": ["type": "string", "minLength": 1, "maxLength": 512], "text": ["type": "string", "minLength": 1],
                "title": string(), "source": string(),
                "metadata": ["type": "object", "additionalProperties": string()],
                "acl": ["type": "array", "items": ["type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"]],
            ], required: ["id", "text"])]], required: ["documents"]),
            "UploadSummary": object(["added": integer(), "replaced": integer(), "updated": integer(), "unchanged": integer(),
                                     "chunks": integer()], required: ["added", "replaced", "updated", "unchanged", "chunks"]),
            "Job": object(["id": string(), "object": ["const": "ingest.job"], "collection": string(),
                           "status": ["type": "string", "enum": ["queued", "running", "succeeded", "failed"]],
                           "documents": integer(), "result": ref("UploadSummary"), "error": string(),
                           "created_at": integer(), "finished_at": integer()],
                          required: ["id", "object", "collection", "status", "documents", "created_at"]),
            "SearchRequest": object(["query": string(), "mode": ["type": "string", "enum": ["bm25", "dense", "hybrid"]],
                                     "k": ["type": "integer", "minimum": 1, "maximum": 100],
                                     "filters": ["type": "object", "additionalProperties": string()]], required: ["query"]),
            "AskRequest": object(["question": ["type": "string", "minLength": 1],
                                  "max_tokens": ["type": "integer", "minimum": 1, "maximum": 1024],
                                  "filters": ["type": "object", "additionalProperties": string()]], required: ["question"]),
        ]
    }

    /// `POST /v1/collections/{collection}/documents`: JSON documents or multipart files; 202 and a
    /// job when it ingests in the background.
    private static func uploadOperation(_ collection: JSON) -> JSON {
        var upload = operation("uploadDocuments", "Upsert documents (made by the first upload)", parameters: [collection],
                               responses: ["200": body(ref("UploadSummary")), "202": body(ref("Job")), "400": error(),
                                           "413": error()], keys: true)
        upload["parameters"] = [collection, ["name": "background", "in": "query", "required": false,
                                             "schema": ["type": "string", "enum": ["true", "false"]]]]
        upload["requestBody"] = ["required": true, "content": [
            "application/json": ["schema": ref("DocumentUpload")],
            "multipart/form-data": ["schema": object([
                "file": ["type": "string", "format": "binary"], "id": string(), "acl": string(),
            ], required: ["file"])],
        ]]
        return upload
    }

    // MARK: - Building blocks

    private static func operation(_ id: String, _ summary: String, parameters: [JSON] = [], request: JSON? = nil,
                                  responses: JSON, keys: Bool = false, open: Bool = false) -> JSON {
        var responses = responses
        if !open {
            responses["503"] = error("the models are loading")
            responses["429"] = error(keys ? "the model's queue is full (server_busy), or over the key's rate limit"
                                          : "the model's queue is full (server_busy)")
            if keys {
                responses["401"] = error("no key, or an unknown or revoked one")
            }
        }
        var result: JSON = ["operationId": id, "summary": summary, "responses": responses]
        if !parameters.isEmpty { result["parameters"] = parameters }
        if let request { result["requestBody"] = ["required": true, "content": ["application/json": ["schema": request]]] }
        if keys && !open { result["security"] = [["apiKey": [String]()]] }
        return result
    }

    private static func path(_ name: String) -> JSON {
        ["name": name, "in": "path", "required": true, "schema": ["type": "string", "pattern": "^[A-Za-z0-9._+:-]{1,64}$"]]
    }

    private static func body(_ schema: JSON) -> JSON {
        ["description": "success", "content": ["application/json": ["schema": schema]]]
    }

    private static func error(_ description: String = "error") -> JSON {
        ["description": description, "content": ["application/json": ["schema": ref("Error")]]]
    }

    private static func ref(_ name: String) -> JSON { ["$ref": "#/components/schemas/\(name)"] }
    private static func string() -> JSON { ["type": "string"] }
    private static func integer() -> JSON { ["type": "integer"] }

    private static func object(_ properties: JSON, required: [String] = []) -> JSON {
        var result: JSON = ["type": "object", "properties": properties]
        if !required.isEmpty { result["required"] = required }
        return result
    }
}
