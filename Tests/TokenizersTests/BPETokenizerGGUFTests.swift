import RagTuneModelFiles
import Testing
import RagTuneTestSupport
@testable import RagTuneTokenizers

@Suite struct BPETokenizerGGUFTests {
    @Test(.needsSmolLM2) func readsSmolLM2Metadata() throws {
        let gguf = try TestResources.smolLM2GGUF.get()
        let tokenizer = try BPETokenizer(gguf: gguf)
        #expect(tokenizer.preTokenizer == .smollm)
        #expect(tokenizer.unknownId == 0 && tokenizer.paddingId == 2)
        let template = try #require(gguf.metadata["tokenizer.chat_template"]?.stringValue)
        #expect(ChatTemplate(jinja: template) == .smolLM2)
    }

    @Test func chatTemplateDetection() {
        #expect(ChatTemplate(jinja: "{{ bos_token }}[INST] {{ message['content'] }} [/INST]") == nil)
        let plain = "{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n'}}{% endfor %}"
        #expect(ChatTemplate(jinja: plain) == ChatTemplate(defaultSystemPrompt: nil))
        let qwen = "{%- else %}{{- '<|im_start|>system\\nYou are Qwen.<|im_end|>\\n' }}{%- endif %}"
        #expect(ChatTemplate(jinja: qwen)?.defaultSystemPrompt == "You are Qwen.")
    }

    let minimal: [String: GGUFValue] = [
        "tokenizer.ggml.model": .string("gpt2"),
        "tokenizer.ggml.pre": .string("smollm"),
        "tokenizer.ggml.tokens": .array([.string("a"), .string("b"), .string("ab")]),
        "tokenizer.ggml.merges": .array([.string("a b")]),
        "tokenizer.ggml.eos_token_id": .uint32(2),
    ]

    @Test func minimalMetadata() throws {
        let tokenizer = try BPETokenizer(ggufMetadata: minimal)
        #expect(tokenizer.encode("abba") == [2, 1, 0])
        #expect(tokenizer.eosId == 2 && tokenizer.bosId == nil)
        #expect(tokenizer.tokenType(of: 0) == .normal)
    }

    @Test func metadataErrorsNameTheKey() {
        var metadata = minimal
        metadata["tokenizer.ggml.merges"] = nil
        let missing = #expect(throws: TokenizerError.self) { try BPETokenizer(ggufMetadata: metadata, file: "m.gguf") }
        #expect(missing?.description == "m.gguf: tokenizer.ggml.merges missing")

        metadata = minimal
        metadata["tokenizer.ggml.model"] = .string("llama")
        #expect(throws: TokenizerError.unsupported(file: "GGUF", field: "tokenizer.ggml.model", value: "llama")) {
            try BPETokenizer(ggufMetadata: metadata)
        }

        metadata = minimal
        metadata["tokenizer.ggml.pre"] = .string("qwen2")
        #expect(throws: TokenizerError.unsupported(file: "GGUF", field: "tokenizer.ggml.pre", value: "qwen2")) {
            try BPETokenizer(ggufMetadata: metadata)
        }

        metadata = minimal
        metadata["tokenizer.ggml.tokens"] = .array([.string("a"), .uint8(1)])
        let mistyped = #expect(throws: TokenizerError.self) { try BPETokenizer(ggufMetadata: metadata) }
        #expect(mistyped?.description == "GGUF: tokenizer.ggml.tokens is of another type, expected an array of strings")

        metadata = minimal
        metadata["tokenizer.ggml.eos_token_id"] = .string("2")
        #expect(throws: TokenizerError.self) { try BPETokenizer(ggufMetadata: metadata) }
    }
}
