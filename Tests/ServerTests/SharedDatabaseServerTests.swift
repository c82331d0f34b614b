import Foundation
import RagTuneTestSupport
import Testing

/// Two `ragtune serve` processes on one PostgreSQL database, as a team scales the API out: a key
/// made once works on both, a document uploaded or deleted through one is searched and answered
/// through the other at once, without a restart, and a background upload's job taken by one is
/// reported by the other.
@Suite(.serialized, .needsSmolLM2, .needsMiniLM)
struct SharedDatabaseServerTests {
    static var runnable: Bool {
        ((LiveServerTests.hasClients && LiveServerTests.binary != nil) || TestServer.required)
            && (PostgresTestServer.available || PostgresTestServer.required)
    }

    /// Waits for both servers, then drives them in turn; prints one JSON object of what each step saw.
    static let steps = """
        import json, sys, time, urllib.request
        first, second, key = sys.argv[1], sys.argv[2], sys.argv[3]
        def call(base, method, path, body=None):
            request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                             headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request) as response: return response.status, json.load(response)
            except urllib.error.HTTPError as error: return error.code, json.load(error)
        for base in (first, second):
            for _ in range(600):
                try:
                    if json.load(urllib.request.urlopen(base + "/ready"))["status"] == "ready": break
                except Exception: pass
                time.sleep(0.2)
        def ids(base, query):
            status, body = call(base, "POST", "/v1/collections/notes/search", {"query": query, "k": 5})
            return [hit["doc_id"] for hit in body.get("results", [])] if status == 200 else status
        seen = {}
        seen["upload_first"] = call(first, "POST", "/v1/collections/notes/documents",
                                    {"id": "lamp", "text": "The Velmora lamp was designed by Odessa Prill in 1931."})
        seen["collections_second"] = call(second, "GET", "/v1/collections")[1]
        seen["search_second"] = ids(second, "Who designed the Velmora lamp?")
        seen["ask_second"] = call(second, "POST", "/v1/collections/notes/ask", {"question": "Who designed the Velmora lamp?"})[1]
        seen["upload_second"] = call(second, "POST", "/v1/collections/notes/documents",
                                     {"id": "clock", "text": "The Tarrow clock tower was built in 1874 by Ilse Varga."})
        seen["search_first"] = ids(first, "Who built the Tarrow clock tower?")
        status, job = call(first, "POST", "/v1/collections/notes/documents?background=true",
                           {"id": "bridge", "text": "The Quorra bridge was opened in 1902 by Matti Selvig."})
        seen["background_first"] = status
        for _ in range(600):
            seen["job_second"] = call(second, "GET", "/v1/jobs/" + job.get("id", "none"))
            if seen["job_second"][0] != 200 or seen["job_second"][1]["status"] in ("succeeded", "failed"): break
            time.sleep(0.1)
        seen["search_second_background"] = ids(second, "Who opened the Quorra bridge?")
        seen["delete_first"] = call(first, "DELETE", "/v1/collections/notes/documents/lamp")[0]
        seen["search_second_after_delete"] = ids(second, "Who designed the Velmora lamp?")
        print(json.dumps(seen))
        """

    @Test(.enabled(if: runnable, "skipped: needs the built ragtune, the Python clients (bash scripts/setup_server_tests.sh) and PostgreSQL"))
    func anUploadThroughOneServerIsAnsweredThroughTheOther() throws {
        let binary = try #require(LiveServerTests.binary, "ragtune is not built")
        let data = try StoreBackend.postgres.makeServerStore()
        defer { data.drop() }
        let first = try LiveServerTests.LiveServer(binary, arguments: ["--requests-per-minute", "0"], store: data.location)
        defer { first.stop() }
        let second = try LiveServerTests.LiveServer(binary, arguments: ["--requests-per-minute", "0"], store: data.location)
        defer { second.stop() }
        // The second server's own key was made in the same table; the first one's key is used on both.
        let (_, output) = try first.run("python", ["-c", Self.steps, first.address, second.address, first.key])
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
                                "printed: \(output)\nfirst: \(first.logText.suffix(2000))\nsecond: \(second.logText.suffix(2000))")
        let uploaded = seen["upload_first"] as? [Any]
        #expect(uploaded?.first as? Int == 200 && (uploaded?.last as? [String: Any])?["added"] as? Int == 1, "\(seen)")
        #expect(((seen["collections_second"] as? [String: Any])?["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["notes"])
        #expect((seen["search_second"] as? [String])?.first == "lamp", "\(seen)")
        let answer = seen["ask_second"] as? [String: Any]
        #expect((answer?["answer"] as? String)?.contains("Odessa Prill") == true, "\(answer ?? [:])")
        #expect((answer?["citations"] as? [[String: Any]])?.first?["doc_id"] as? String == "lamp", "\(answer ?? [:])")
        #expect((seen["upload_second"] as? [Any])?.first as? Int == 200, "\(seen)")
        #expect((seen["search_first"] as? [String])?.first == "clock", "\(seen)")
        // A background upload through one: its job is answered by the other, which then finds the document.
        #expect(seen["background_first"] as? Int == 202, "\(seen)")
        let job = seen["job_second"] as? [Any]
        #expect(job?.first as? Int == 200 && (job?.last as? [String: Any])?["status"] as? String == "succeeded", "\(seen)")
        #expect(((job?.last as? [String: Any])?["result"] as? [String: Any])?["added"] as? Int == 1, "\(seen)")
        #expect((seen["search_second_background"] as? [String])?.first == "bridge", "\(seen)")
        #expect(seen["delete_first"] as? Int == 200, "\(seen)")
        #expect((seen["search_second_after_delete"] as? [String]).map { !$0.contains("lamp") } == true, "\(seen)")
    }
}
