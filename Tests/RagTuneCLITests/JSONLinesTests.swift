import Foundation
import Testing
import RagTuneEvaluation
@testable import ragtune

@Suite struct JSONLinesTests {
    private func file(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-\(UUID().uuidString).jsonl")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func textsSkipBlankLinesAndKeepOrder() throws {
        let path = try file("{\"text\": \"a\"}\n\n  \n{\"text\": \"b\", \"id\": 3}\n")
        #expect(try JSONLines(path: path).texts() == ["a", "b"])
    }

    @Test func errorsNameTheFileAndLine() throws {
        let cases: [(String, String)] = [
            ("{\"text\": \"ok\"}\n{not json\n", ":2: invalid JSON"),
            ("{\"text\": \"ok\"}\n{\"txt\": 1}\n", ":2: missing field \"text\""),
            ("{\"text\": 5}\n", ":1: field \"text\" must be a string"),
            ("[1, 2]\n", ":1: expected a JSON object"),
        ]
        for (content, message) in cases {
            let path = try file(content)
            do {
                _ = try JSONLines(path: path).texts()
                Issue.record("expected an error for \(content)")
            } catch {
                #expect("\(error)" == path + message)
            }
        }
        var invalid = Data("{\"text\": \"".utf8)
        invalid.append(contentsOf: [0xFF, 0xFE])
        invalid.append(contentsOf: Array("\"}\n".utf8))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-bad-utf8.jsonl")
        try invalid.write(to: url)
        #expect(throws: InputError.self) { try JSONLines(path: url.path).texts() }
        #expect(throws: InputError.self) { try JSONLines(path: "/nonexistent/x.jsonl").texts() }
    }

    @Test func chatMessagesAreValidated() throws {
        func object(_ json: String) throws -> [String: JSONValue] {
            try JSONDecoder().decode([String: JSONValue].self, from: Data(json.utf8))
        }
        let good = try object(#"{"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]}"#)
        #expect(try GenerateCommand.messages(good, path: "f", line: 1).map(\.role) == ["system", "user"])
        let bad: [([String: JSONValue], String)] = [
            (try object("{}"), "f:4: missing or empty \"messages\" array"),
            (try object(#"{"messages": []}"#), "f:4: missing or empty \"messages\" array"),
            (try object(#"{"messages": [{"role": "robot", "content": "x"}]}"#), "f:4: messages[0].role must be system, user or assistant"),
            (try object(#"{"messages": [{"role": "user"}]}"#), "f:4: messages[0].content must be a string"),
            (try object(#"{"messages": ["user"]}"#), "f:4: messages[0].role must be system, user or assistant"),
        ]
        for (object, message) in bad {
            #expect(throws: InputError.self) { try GenerateCommand.messages(object, path: "f", line: 4) }
            do { _ = try GenerateCommand.messages(object, path: "f", line: 4) } catch { #expect("\(error)" == message) }
        }
    }

    @Test func jsonStringsAreEscaped() {
        #expect(JSONText.string("a\"b\\c\nd\u{01}é") == "\"a\\\"b\\\\c\\nd\\u0001é\"")
        #expect(JSONText.floats([1.5, .nan]) == "[1.5, null]")
    }
}
