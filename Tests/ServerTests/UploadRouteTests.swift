import Foundation
import HummingbirdTesting
import Hummingbird
import NIOCore
import RagTuneModels
@testable import RagTuneServer
import RagTuneStorage
import RagTuneTestSupport
import Testing

/// File uploads (`multipart/form-data`, read by the same loaders as `ragtune index`) and uploads
/// ingested in the background, whose job only its tenant can read.
@Suite(.serialized, .needsSmolLM2, .needsMiniLM)
struct UploadRouteTests {
    private func multipart(_ files: [(name: String, text: String)], fields: [String: String] = [:]) -> (String, ByteBuffer) {
        let boundary = "ragtune-test-\(UUID().uuidString)"
        var body = ""
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(key)\"\r\n\r\n\(value)\r\n"
        }
        for file in files {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n\(file.text)\r\n"
        }
        body += "--\(boundary)--\r\n"
        return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(string: body))
    }

    @Test func filesAndBackgroundJobs() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-uploads-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try makeServer { $0.store = data; $0.requestsPerMinute = 0 }
        defer { server.shutdown() }
        let keys = try APIKeyStore(directory: data, create: false)
        let acme = try keys.create(tenant: "acme", groups: ["research"]).token
        let globex = try keys.create(tenant: "globex", groups: ["research"]).token
        try await server.waitUntilReady()
        try await withClient(server) { client in
            let (type, body) = multipart([("guide.md", "# Lamps\n\nThe Velmora lamp was designed by Odessa Prill."),
                                          ("notes.txt", "The Ostrel kettle holds two litres.")],
                                         fields: ["acl": "research", "metadata.team": "design"])
            let uploaded = try await client.execute(uri: "/v1/collections/files/documents", method: .post,
                                                    headers: [.authorization: "Bearer \(acme)", .contentType: type], body: body)
            #expect(uploaded.status == .ok, "\(String(buffer: uploaded.body))")
            #expect(try object(uploaded)["added"] as? Int == 2)
            let listed = try object(try await client.execute(uri: "/v1/collections/files/documents", method: .get,
                                                             headers: [.authorization: "Bearer \(acme)"]))
            let entries = try #require(listed["data"] as? [[String: Any]])
            #expect(entries.map { $0["id"] as? String } == ["guide.md", "notes.txt"])
            #expect(entries.allSatisfy { ($0["acl"] as? [String]) == ["research"] && ($0["metadata"] as? [String: String])?["team"] == "design" })

            let (badType, badBody) = multipart([("image.png", "\u{0}\u{1}PNG")])
            let refused = try await client.execute(uri: "/v1/collections/files/documents", method: .post,
                                                   headers: [.authorization: "Bearer \(acme)", .contentType: badType], body: badBody)
            #expect(refused.status == .badRequest)
            #expect((try errorFields(refused)["message"] as? String)?.contains("image.png") == true)

            // In the background: 202, a job its tenant can follow and no other tenant can see.
            let queued = try await client.execute(
                uri: "/v1/collections/files/documents?background=true", method: .post,
                headers: [.authorization: "Bearer \(acme)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"id": "later", "text": "The Brisk fan spins at three speeds."}"#))
            #expect(queued.status == .accepted)
            let job = try object(queued)
            let id = try #require(job["id"] as? String)
            #expect(job["object"] as? String == "ingest.job" && job["documents"] as? Int == 1)
            var status = ""
            for _ in 0..<300 where status != "succeeded" && status != "failed" {
                let polled = try object(try await client.execute(uri: "/v1/jobs/\(id)", method: .get, headers: [.authorization: "Bearer \(acme)"]))
                status = polled["status"] as? String ?? ""
                if status == "succeeded" { #expect((polled["result"] as? [String: Any])?["added"] as? Int == 1) }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            #expect(status == "succeeded")
            let foreign = try await client.execute(uri: "/v1/jobs/\(id)", method: .get, headers: [.authorization: "Bearer \(globex)"])
            #expect(foreign.status == .notFound)
            #expect(!String(buffer: foreign.body).contains("files"))
            let bad = try await client.execute(uri: "/v1/collections/files/documents?background=maybe", method: .post,
                                               headers: [.authorization: "Bearer \(acme)", .contentType: "application/json"],
                                               body: ByteBuffer(string: #"{"id": "x", "text": "y"}"#))
            #expect(bad.status == .badRequest)
        }
    }
}
