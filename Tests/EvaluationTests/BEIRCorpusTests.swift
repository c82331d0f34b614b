import Foundation
import Testing
@testable import RagTuneEvaluation

@Suite struct BEIRCorpusTests {
    @Test func readsStringAndNumericIdsTitlesAndMetadata() throws {
        let text = """
        {"_id": "d1", "title": "First", "text": "Alpha.", "url": "http://x", "year": 2020, "flag": true}
        {"_id": 42, "text": "No title.", "metadata": {"pmid": 7, "source": "pubmed", "tags": ["a"]}}

        {"_id": "d3", "title": null, "text": "Null title.", "metadata": {}}\r
        """
        let corpus = try TestFiles.with(text) { try BEIRCorpus(contentsOf: $0) }
        #expect(corpus.count == 3)
        #expect(corpus.documents.map(\.id) == ["d1", "42", "d3"])
        #expect(corpus["d1"] == BEIRDocument(id: "d1", title: "First", text: "Alpha.",
                                             metadata: ["url": "http://x", "year": "2020"]))
        #expect(corpus["42"] == BEIRDocument(id: "42", text: "No title.", metadata: ["pmid": "7", "source": "pubmed"]))
        #expect(corpus["d3"]?.title == "")
        #expect(corpus["missing"] == nil)
    }

    @Test func duplicateIdReplacesInPlaceLikeBEIR() throws {
        let text = """
        {"_id": "a", "text": "old"}
        {"_id": "b", "text": "b"}
        {"_id": "a", "text": "new"}
        """
        let corpus = try TestFiles.with(text) { try BEIRCorpus(contentsOf: $0) }
        #expect(corpus.documents.map(\.text) == ["new", "b"])
        #expect(corpus.duplicateCount == 1)
    }

    @Test func streamingPassesLineNumbers() throws {
        let text = "{\"_id\": \"a\", \"text\": \"x\"}\n\n{\"_id\": \"b\", \"text\": \"y\"}\n"
        var seen: [String] = []
        try TestFiles.with(text) { url in
            try BEIRCorpus.forEachDocument(in: url) { document, line in seen.append("\(document.id)@\(line)") }
        }
        #expect(seen == ["a@1", "b@3"])
    }

    @Test(arguments: [
        ("{\"_id\": \"a\", \"text\": \"x\"}\n{\"_id\": \"b\", \"text\": \"y\"}\n{\"_id\": \"c\", \"text\": ", ":3: invalid JSON"),
        ("{\"_id\": \"a\", \"text\": \"x\"}\n{\"title\": \"t\", \"text\": \"y\"}", ":2: missing field \"_id\""),
        ("{\"_id\": [1], \"text\": \"x\"}", ":1: field \"_id\" must be a string or a number, found an array"),
        ("{\"_id\": \"a\"}", ":1: missing field \"text\""),
        ("{\"_id\": \"a\", \"text\": 5}", ":1: field \"text\" must be a string, found a number"),
        ("{\"_id\": \"a\", \"text\": \"x\", \"title\": {}}", ":1: field \"title\" must be a string, found an object"),
        ("[1, 2]", ":1: expected a JSON object, found an array"),
    ])
    func errorsNameFileAndLine(text: String, expected: String) throws {
        try TestFiles.with(text, name: "corpus.jsonl") { url in
            let message = TestFiles.errorText { _ = try BEIRCorpus(contentsOf: url) }
            #expect(message == url.path + expected)
        }
    }

    @Test(.enabled(if: TestFiles.hasSciFact)) func loadsSciFact() throws {
        let corpus = try BEIRCorpus(contentsOf: TestFiles.sciFact.appendingPathComponent("corpus.jsonl"))
        #expect(corpus.count == 5183 && corpus.duplicateCount == 0)
        #expect(corpus.documents.first?.id == "4983")
        #expect(corpus["4983"]?.title.hasPrefix("Microstructural development of human newborn") == true)
    }
}
