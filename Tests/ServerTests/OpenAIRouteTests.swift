import Foundation
import HummingbirdTesting
import Hummingbird
import NIOCore
import RagTuneModels
@testable import RagTuneServer
import RagTuneTestSupport
import RagTuneTokenizers
import Testing

/// The OpenAI routes on the installed models, checked against the same library calls made directly.
@Suite(.serialized, .needsSmolLM2, .needsMiniLM)
struct OpenAIRouteTests {
    static let question = "Name one primary colour."

    @Test func chatCompletionIsTheGeneratorsGreedyReply() async throws {
        let server = try makeServer()
        defer { server.shutdown() }
        try await server.waitUntilReady()
        let expected = try TextGenerator(threads: 2).chat(
            [ChatMessage(role: "user", content: Self.question)], sampling: .greedy, stop: StopCondition(maxTokens: 12))
        try await withClient(server) { client in
            let response = try await post(client, "/v1/chat/completions", """
                {"model":"smollm2","messages":[{"role":"user","content":"\(Self.question)"}],"temperature":0,"max_tokens":12}
                """)
            #expect(response.status == .ok)
            let body = try object(response)
            #expect(body["object"] as? String == "chat.completion")
            #expect((body["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            let choice = try #require((body["choices"] as? [[String: Any]])?.first)
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["role"] as? String == "assistant")
            #expect(message["content"] as? String == expected.text)
            let usage = try #require(body["usage"] as? [String: Int])
            #expect(usage["prompt_tokens"] == expected.promptIds.count)
            let endToken = if case .stopToken = expected.stopReason { 1 } else { 0 }
            #expect(usage["completion_tokens"] == expected.ids.count - endToken)
            #expect(usage["total_tokens"] == usage["prompt_tokens"]! + usage["completion_tokens"]!)
            #expect(choice["finish_reason"] as? String == (endToken == 1 ? "stop" : "length"))
        }
    }

    @Test func streamedChunksAddUpToTheWholeReply() async throws {
        let server = try makeServer()
        defer { server.shutdown() }
        try await server.waitUntilReady()
        try await withClient(server) { client in
            let request = #"{"model":"smollm2","messages":[{"role":"user","content":"Write a haiku about rain."}],"#
                + #""temperature":0,"max_tokens":24"#
            let whole = try object(try await post(client, "/v1/chat/completions", request + "}"))
            let wholeText = ((whole["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            let streamed = try await post(client, "/v1/chat/completions",
                                          request + #","stream":true,"stream_options":{"include_usage":true}}"#)
            #expect(streamed.status == .ok)
            #expect(streamed.headers[.contentType] == "text/event-stream")
            let payloads = events(streamed)
            #expect(payloads.last == "[DONE]")
            let chunks = try payloads.dropLast().map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)")
            }
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1, "one id for the whole stream")
            let choices = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first }
            #expect((choices.first?["delta"] as? [String: Any])?["role"] as? String == "assistant")
            let text = choices.compactMap { ($0["delta"] as? [String: Any])?["content"] as? String }.joined()
            #expect(text == wholeText)
            let reasons = choices.map { $0["finish_reason"] }
            #expect(reasons.dropLast().allSatisfy { $0 is NSNull }, "finish_reason is null until the last choice")
            #expect(reasons.last as? String == "length" || reasons.last as? String == "stop")
            let usage = try #require(chunks.last?["usage"] as? [String: Int])
            #expect((chunks.last?["choices"] as? [Any])?.isEmpty == true)
            #expect(usage["total_tokens"] == usage["prompt_tokens"]! + usage["completion_tokens"]!)
        }
    }

    @Test func stopStringsSeedsAndTheContextLimit() async throws {
        let server = try makeServer()
        defer { server.shutdown() }
        try await server.waitUntilReady()
        try await withClient(server) { client in
            let counting = #"{"model":"smollm2","messages":[{"role":"user","content":"Count from 1 to 10, separated by commas."}],"#
            let stopped = try object(try await post(client, "/v1/chat/completions",
                                                    counting + #""temperature":0,"max_tokens":40,"stop":["5"]}"#))
            let choice = try #require((stopped["choices"] as? [[String: Any]])?.first)
            let text = try #require((choice["message"] as? [String: Any])?["content"] as? String)
            #expect(!text.contains("5") && choice["finish_reason"] as? String == "stop", "\(text)")

            func sampled(seed: Int) async throws -> String? {
                let body = try object(try await post(client, "/v1/chat/completions",
                                                     counting + #""temperature":1.0,"max_tokens":16,"seed":\#(seed)}"#))
                return ((body["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            }
            let first = try await sampled(seed: 7), again = try await sampled(seed: 7)
            #expect(first != nil && first == again, "the same seed gives the same tokens")

            // schemathesis found this one: a top_p that is 0 as a Float was a 500
            let tiny = try await post(client, "/v1/chat/completions", counting + #""max_tokens":4,"top_p":5e-324}"#)
            #expect(tiny.status == .ok)

            let tooLong = try await post(client, "/v1/chat/completions", counting + #""max_tokens":100000}"#)
            #expect(tooLong.status == .badRequest)
            #expect(try errorFields(tooLong)["code"] as? String == "context_length_exceeded")
            let unknown = try await post(client, "/v1/chat/completions", #"{"model":"gpt-4","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(unknown.status == .notFound)
            #expect(try errorFields(unknown)["code"] as? String == "model_not_found")
            let embedder = try await post(client, "/v1/chat/completions", #"{"model":"minilm","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(embedder.status == .badRequest)
        }
    }

    @Test func textCompletionContinuesThePlainPrompt() async throws {
        let server = try makeServer()
        defer { server.shutdown() }
        try await server.waitUntilReady()
        let generator = try TextGenerator(threads: 2)
        let prompt = "The capital of France is"
        let expected = try generator.generate(promptIds: generator.tokenizer.encode(prompt), sampling: .greedy,
                                              stop: StopCondition(maxTokens: 8))
        try await withClient(server) { client in
            let body = try object(try await post(client, "/v1/completions",
                                                 #"{"model":"smollm2","prompt":"\#(prompt)","temperature":0,"max_tokens":8}"#))
            #expect(body["object"] as? String == "text_completion")
            #expect((body["choices"] as? [[String: Any]])?.first?["text"] as? String == expected.text)
            let streamed = try await post(client, "/v1/completions",
                                          #"{"model":"smollm2","prompt":"\#(prompt)","temperature":0,"max_tokens":8,"stream":true}"#)
            let text = events(streamed).dropLast().compactMap { payload -> String? in
                let chunk = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any]
                return (chunk?["choices"] as? [[String: Any]])?.first?["text"] as? String
            }.joined()
            #expect(text == expected.text)
        }
    }

    @Test func embeddingsAreMiniLMsVectorsAsFloatsOrBase64() async throws {
        let server = try makeServer()
        defer { server.shutdown() }
        try await server.waitUntilReady()
        let texts = ["RagTune serves embeddings.", "A second, different sentence."]
        let expected = try MiniLMEmbedder(threads: 2).embed(texts)
        try await withClient(server) { client in
            let floats = try object(try await post(client, "/v1/embeddings",
                                                   #"{"model":"minilm","input":["\#(texts[0])","\#(texts[1])"]}"#))
            let data = try #require(floats["data"] as? [[String: Any]])
            #expect(data.count == 2 && data.map { $0["index"] as? Int } == [0, 1])
            for (item, vector) in zip(data, expected) {
                let got = try #require((item["embedding"] as? [NSNumber])?.map(\.floatValue))
                #expect(got.count == 384)
                #expect(zip(got, vector).allSatisfy { abs($0 - $1) < 1e-5 })
            }
            #expect(((floats["usage"] as? [String: Int])?["prompt_tokens"] ?? 0) > 0)
            let encoded = try object(try await post(client, "/v1/embeddings",
                                                    #"{"model":"minilm","input":"\#(texts[0])","encoding_format":"base64"}"#))
            let text = try #require((encoded["data"] as? [[String: Any]])?.first?["embedding"] as? String)
            let bytes = try #require(Data(base64Encoded: text))
            let decoded = bytes.withUnsafeBytes { raw in
                (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
            #expect(decoded.count == 384 && zip(decoded, expected[0]).allSatisfy { abs($0 - $1) < 1e-5 })
            let wrongModel = try await post(client, "/v1/embeddings", #"{"model":"smollm2","input":"x"}"#)
            #expect(wrongModel.status == .badRequest)
            let empty = try await post(client, "/v1/embeddings", #"{"model":"minilm","input":""}"#)
            #expect(empty.status == .badRequest)
        }
    }

    @Test func modelsListsTheServedModels() async throws {
        let server = try makeServer()
        defer { server.shutdown() }
        try await server.waitUntilReady()
        try await withClient(server) { client in
            let list = try object(try await client.execute(uri: "/v1/models", method: .get))
            let ids = (list["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == ["smollm2", "minilm"])
            let one = try await client.execute(uri: "/v1/models/smollm2", method: .get)
            #expect(one.status == .ok)
            let none = try await client.execute(uri: "/v1/models/nothing", method: .get)
            #expect(none.status == .notFound)
            let ready = try object(try await client.execute(uri: "/ready", method: .get))
            #expect(ready["status"] as? String == "ready")
        }
    }
}
