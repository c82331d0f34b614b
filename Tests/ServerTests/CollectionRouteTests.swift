import Foundation
import HummingbirdTesting
import Hummingbird
import NIOCore
import RagTuneModels
import RagTuneRAG
@testable import RagTuneServer
import RagTuneStorage
import RagTuneTestSupport
import Testing

/// Collections, the document API and `rag:` models, with two tenants whose collections and
/// document ids coincide and a restricted document in each: nothing of one tenant, and nothing
/// restricted, reaches a caller who may not see it, on any endpoint.
@Suite(.serialized, .needsSmolLM2, .needsMiniLM)
struct CollectionRouteTests {
    /// Words only the restricted documents hold.
    static let secrets = ["Zorblax", "Quillon", "2027"]

    private func setUp(_ backend: StoreBackend = .sqlite) throws -> (RagTuneServer, data: TestServerStore, keys: [String: String]) {
        let data = try backend.makeServerStore()
        let server = try makeServer { $0.store = data.location; $0.requestsPerMinute = 0 }
        let store = try APIKeys.open(data.location, create: false)
        var keys: [String: String] = [:]
        for (name, tenant, groups) in [("acme-research", "acme", ["research"]), ("acme-outsider", "acme", ["sales"]),
                                       ("globex-research", "globex", ["research"])] {
            keys[name] = try store.create(tenant: tenant, groups: groups).token
        }
        return (server, data, keys)
    }

    private func call(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, key: String,
                      _ body: String? = nil) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method,
                                 headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                                 body: body.map { ByteBuffer(string: $0) })
    }

    /// On a data folder and on PostgreSQL (collections in schemas, keys in a table).
    @Test(arguments: StoreBackend.tested)
    func tenantsAndACLGroupsSeeOnlyTheirOwn(_ backend: StoreBackend) async throws {
        let (server, data, keys) = try setUp(backend)
        defer { server.shutdown(); data.drop() }
        try await server.waitUntilReady()
        try await withClient(server) { client in
            let acme = #"{"documents": [{"id": "public", "text": "The Acme cafeteria opens at 8 in the morning."}, "#
                + #"{"id": "secret", "title": "Launch plan", "acl": ["research"], "text": "Project Zorblax launches on 12 March 2027."}]}"#
            let globex = #"{"documents": [{"id": "public", "text": "The Globex cafeteria opens at 9 in the morning."}, "#
                + #"{"id": "secret", "acl": ["research"], "text": "Globex project Quillon launches in May 2027."}]}"#
            let uploaded = try object(try await call(client, .post, "/v1/collections/handbook/documents", key: keys["acme-research"]!, acme))
            #expect(uploaded["added"] as? Int == 2)
            _ = try await call(client, .post, "/v1/collections/handbook/documents", key: keys["globex-research"]!, globex)
            let again = try object(try await call(client, .post, "/v1/collections/handbook/documents", key: keys["acme-research"]!, acme))
            #expect(again["unchanged"] as? Int == 2, "the same upload again changes nothing")

            // The owner with the group sees the restricted document.
            let found = try await call(client, .post, "/v1/collections/handbook/search", key: keys["acme-research"]!,
                                       #"{"query": "When does Project Zorblax launch?", "k": 5}"#)
            #expect(String(buffer: found.body).contains("Zorblax"))
            let answered = try object(try await call(client, .post, "/v1/collections/handbook/ask", key: keys["acme-research"]!,
                                                     #"{"question": "When does Project Zorblax launch?"}"#))
            #expect((answered["citations"] as? [[String: Any]])?.contains { $0["doc_id"] as? String == "secret" } == true,
                    "\(answered["answer"] ?? "")")

            // Every endpoint, as an outsider group of the same tenant and as the other tenant.
            // Each probe's own words (echoed back as the query) are cut from its response before the check.
            let zorblax = "When does Project Zorblax launch?"
            let probes: [(HTTPRequest.Method, String, String?, echo: String)] = [
                (.get, "/v1/collections", nil, ""),
                (.get, "/v1/collections/handbook/documents", nil, ""),
                (.post, "/v1/collections/handbook/search", #"{"query": "\#(zorblax)", "k": 10}"#, zorblax),
                (.post, "/v1/collections/handbook/search", #"{"query": "\#(zorblax)", "mode": "bm25", "k": 10}"#, zorblax),
                (.post, "/v1/collections/handbook/search", #"{"query": "project launch date", "mode": "dense", "k": 10}"#, ""),
                (.post, "/v1/collections/handbook/ask", #"{"question": "\#(zorblax)"}"#, zorblax),
                (.post, "/v1/chat/completions",
                 #"{"model": "rag:handbook", "messages": [{"role": "user", "content": "\#(zorblax)"}]}"#, zorblax),
                (.post, "/v1/chat/completions",
                 #"{"model": "rag:handbook", "stream": true, "messages": [{"role": "user", "content": "What launches next year?"}]}"#, ""),
                (.get, "/v1/models", nil, ""),
                (.delete, "/v1/collections/handbook/documents/secret", nil, ""),
            ]
            var leaks: [String] = [], probed = 0
            for (caller, hidden) in [("acme-outsider", ["Zorblax", "Quillon", "2027", "Launch plan"]), ("globex-research", ["Zorblax", "Acme"])] {
                for (method, uri, body, echo) in probes {
                    let response = try await call(client, method, uri, key: keys[caller]!, body)
                    probed += 1
                    let text = echo.isEmpty ? String(buffer: response.body)
                        : String(buffer: response.body).replacingOccurrences(of: echo, with: "")
                    // Whole words only: "2027" inside a timing such as 0.0091201202774 is no leak.
                    for word in hidden where text.range(of: "(?<![0-9A-Za-z])\(word)(?![0-9A-Za-z])", options: .regularExpression) != nil {
                        leaks.append("\(caller) \(method) \(uri): \(word) in \(text.prefix(300))")
                    }
                }
            }
            #expect(leaks.isEmpty, "\(leaks.count) of \(probed) probes leaked: \(leaks)")
            #expect(probed == 20)

            // The restricted document survived the outsider's delete; its owner can delete it.
            let listed = try object(try await call(client, .get, "/v1/collections/handbook/documents", key: keys["acme-research"]!))
            #expect((listed["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["public", "secret"])
            let deleted = try await call(client, .delete, "/v1/collections/handbook/documents/secret", key: keys["acme-research"]!)
            #expect(deleted.status == .ok)
            let after = try object(try await call(client, .get, "/v1/collections/handbook/documents", key: keys["acme-research"]!))
            #expect((after["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["public"])
            // Globex's research key deleted Globex's own restricted document in the probes, and only that one.
            let theirs = try object(try await call(client, .get, "/v1/collections/handbook/documents", key: keys["globex-research"]!))
            #expect((theirs["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["public"])
        }
    }

    @Test func ragModelsAnswerWithCitationsAndBadUploadsAre400() async throws {
        let (server, data, keys) = try setUp()
        defer { server.shutdown(); data.drop() }
        try await server.waitUntilReady()
        let key = keys["acme-research"]!
        try await withClient(server) { client in
            _ = try await call(client, .post, "/v1/collections/notes/documents", key: key,
                               #"{"id": "lamp", "text": "The Velmora lamp was designed by Odessa Prill in 1931."}"#)
            let chat = try object(try await call(client, .post, "/v1/chat/completions", key: key,
                                                 #"{"model": "rag:notes", "messages": [{"role": "user", "content": "Who designed the Velmora lamp?"}]}"#))
            let content = ((chat["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            #expect(content?.contains("Odessa Prill") == true, "\(chat)")
            #expect((chat["citations"] as? [[String: Any]])?.first?["doc_id"] as? String == "lamp")
            let models = String(buffer: try await call(client, .get, "/v1/models", key: key).body)
            #expect(models.contains("rag:notes"))

            let missing = try await call(client, .post, "/v1/chat/completions", key: key,
                                         #"{"model": "rag:nothing", "messages": [{"role": "user", "content": "hi"}]}"#)
            #expect(missing.status == .notFound)
            for (body, param) in [(#"{"documents": []}"#, "documents"), (#"{"id": "", "text": "x"}"#, "documents[0].id"),
                                  (#"{"id": "a", "text": "  "}"#, "documents[0].text"),
                                  (#"{"id": "a", "text": "x", "acl": ["no/slash"]}"#, "documents[0].acl"),
                                  (#"{"documents": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]}"#, "documents")] {
                let response = try await call(client, .post, "/v1/collections/notes/documents", key: key, body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(try errorFields(response)["param"] as? String == param, "\(body)")
            }
            let badName = try await call(client, .post, "/v1/collections/a..b%2F/documents", key: key, #"{"id": "a", "text": "x"}"#)
            #expect(badName.status == .badRequest || badName.status == .notFound)
            let badMode = try await call(client, .post, "/v1/collections/notes/search", key: key, #"{"query": "x", "mode": "magic"}"#)
            #expect(try errorFields(badMode)["param"] as? String == "mode")
        }
    }
}
