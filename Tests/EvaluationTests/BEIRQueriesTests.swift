import Foundation
import Testing
@testable import RagTuneEvaluation

@Suite struct BEIRQueriesTests {
    @Test func readsQueriesIgnoringMetadata() throws {
        let text = """
        {"_id": "0", "text": "first claim", "metadata": {"label": "SUPPORT"}}
        {"_id": 7, "text": "numeric id"}
        """
        let queries = try TestFiles.with(text) { try BEIRQueries(contentsOf: $0) }
        #expect(queries.queries == [BEIRQuery(id: "0", text: "first claim"), BEIRQuery(id: "7", text: "numeric id")])
        #expect(queries["7"]?.text == "numeric id")
    }

    @Test func errorsNameFileAndLine() throws {
        try TestFiles.with("{\"_id\": \"0\", \"text\": \"a\"}\n{\"text\": \"b\"}\n", name: "queries.jsonl") { url in
            #expect(TestFiles.errorText { _ = try BEIRQueries(contentsOf: url) } == "\(url.path):2: missing field \"_id\"")
        }
        try TestFiles.with("{\"_id\": \"0\", \"text\": \"a\"}\nnot json\n", name: "queries.jsonl") { url in
            #expect(TestFiles.errorText { _ = try BEIRQueries(contentsOf: url) } == "\(url.path):2: invalid JSON")
        }
    }

    @Test(.enabled(if: TestFiles.hasSciFact)) func loadsSciFact() throws {
        let queries = try BEIRQueries(contentsOf: TestFiles.sciFact.appendingPathComponent("queries.jsonl"))
        #expect(queries.count == 1109)
        #expect(queries["0"]?.text == "0-dimensional biomaterials lack inductive properties.")
    }
}
