import Foundation
import Testing
@testable import RagTuneTraining

/// Parsing of JSONL training lines: both formats and every kind of bad line, each naming
/// file:line and the field.
@Suite struct ChatExampleTests {
    static func parse(_ line: String) throws -> ChatExample? {
        try ChatExample.parse(Data(line.utf8), file: "train.jsonl", line: 7)
    }

    @Test func readsMessagesAndPromptCompletion() throws {
        let chat = try #require(try Self.parse(#"{"id": 3, "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0}, {"role": "user", "content": "Name?"}, {"role": "assistant", "content": "Smol"}]}"#))
        #expect(chat.messages.map(\.role) == ["system", "user", "assistant", "user", "assistant"])
        #expect(chat.learned == [false, false, false, false, true])
        #expect(chat.line == 7)
        #expect(chat.lastExchange?.reply == "Smol")
        let pair = try #require(try Self.parse(#"{"prompt": "2+2?", "completion": "4"}"#))
        #expect(pair.messages == [.user("2+2?"), .assistant("4")])
        #expect(try Self.parse("   ") == nil)
        // Plain text (continued pre-training): no messages, nothing for a held-out sample prompt.
        let text = try #require(try Self.parse(#"{"text": "The Vorn-2 lamp was built by Ama Bel.", "id": 4}"#))
        #expect(text.text == "The Vorn-2 lamp was built by Ama Bel." && text.messages.isEmpty && text.lastExchange == nil)
    }

    @Test(arguments: [
        (#"{"note": "no messages"}"#, "messages", "missing"),
        (#"{"text": 3}"#, "text", "not a string"),
        (#"{"text": " \n"}"#, "text", "empty text"),
        (#"{"messages": "hi"}"#, "messages", "non-empty array"),
        (#"{"messages": []}"#, "messages", "non-empty array"),
        (#"{"messages": [{"role": "bot", "content": "x"}]}"#, "messages[0].role", "unknown role 'bot'"),
        (#"{"messages": [{"content": "x"}]}"#, "messages[0].role", "missing"),
        (#"{"messages": [{"role": "user", "content": "a"}, {"role": "system", "content": "b"}]}"#, "messages[1].role", "only come first"),
        (#"{"messages": [{"role": "assistant", "content": "a"}]}"#, "messages[0].role", "open with a user"),
        (#"{"messages": [{"role": "user", "content": 3}]}"#, "messages[0].content", "not a string"),
        (#"{"messages": [{"role": "user", "content": "q"}]}"#, "messages", "no assistant message"),
        (#"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "  "}]}"#, "messages[1].content", "empty assistant reply"),
        (#"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 2}]}"#, "messages[1].weight", "0 or 1"),
        (#"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 0}]}"#, "messages", "weight 0"),
        (#"{"prompt": "q", "completion": ""}"#, "completion", "empty completion"),
        (#"{"prompt": "q"}"#, "completion", "missing"),
        (#"{"prompt": 1, "completion": "a"}"#, "prompt", "not a string"),
        (#"{"messages": [}"#, "line", "invalid JSON"),
        (#"[1, 2]"#, "line", "JSON object"),
    ])
    func rejectsBadLines(_ line: String, _ field: String, _ reason: String) {
        do {
            _ = try Self.parse(line)
            Issue.record("accepted \(line)")
        } catch let TrainingError.invalidExample(file, number, badField, message) {
            #expect(file == "train.jsonl" && number == 7)
            #expect(badField == field, "\(line)")
            #expect(message.contains(reason), "\(message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func rejectsInvalidUTF8() {
        let bytes = Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D])
        #expect(throws: TrainingError.invalidExample(file: "f.jsonl", line: 2, field: "line", reason: "not valid UTF-8")) {
            try ChatExample.parse(bytes, file: "f.jsonl", line: 2)
        }
        #expect(TrainingError.invalidExample(file: "f.jsonl", line: 2, field: "messages", reason: "missing").description
                == "f.jsonl:2: messages: missing")
    }
}
