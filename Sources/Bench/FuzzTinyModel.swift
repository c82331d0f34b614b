import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor
import RagTuneTokenizers
import RagTuneTraining

/// Tiny model files built in code, so the fuzz and kill-9 jobs need no download: a random
/// Llama GGUF carrying a 279-token byte-level ChatML BPE tokenizer (SmolLM2's special tokens and
/// pre-tokenizer, 20 merges), and a small BERT WordPiece `tokenizer.json`.
enum FuzzTinyModel {
    /// The symbol of each byte in GPT-2's byte ↔ character map (the space is `Ġ`).
    static let byteSymbols: [String] = ByteLevelEncoding.byteToScalar.map { String(Unicode.Scalar($0)!) }

    static let merges = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a", "e r", "o n", "Ġ s", "r e", "a t", "i s", "Ġ i", "Ġi s",
                         "e n", "o r", "Ġ w", "Ġ o", "Ġo f", "a n", "Ġa n"]

    static let chatTemplate = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        + "{{ '<|im_start|>system\\nYou are a tiny test model<|im_end|>\\n' }}{% endif %}"
        + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

    /// The tokenizer's GGUF metadata (llama.cpp keys), in writing order.
    static var tokenizerMetadata: [(String, GGUFValue)] {
        let tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + byteSymbols
            + merges.map { $0.replacingOccurrences(of: " ", with: "") }
        let types = [3, 3, 3] + Array(repeating: 1, count: tokens.count - 3)
        return [("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("smollm")),
                ("tokenizer.ggml.tokens", .array(tokens.map(GGUFValue.string))),
                ("tokenizer.ggml.token_type", .array(types.map { GGUFValue.int32(Int32($0)) })),
                ("tokenizer.ggml.merges", .array(merges.map(GGUFValue.string))),
                ("tokenizer.ggml.bos_token_id", .uint32(1)), ("tokenizer.ggml.eos_token_id", .uint32(2)),
                ("tokenizer.ggml.unknown_token_id", .uint32(0)), ("tokenizer.ggml.padding_token_id", .uint32(2)),
                ("tokenizer.chat_template", .string(chatTemplate))]
    }

    static var vocabularySize: Int { 3 + 256 + merges.count }

    /// The 2-layer d=32 model of the fine-tune kill-9 trials (as `FineTuneCommandTests` builds with SmolLM2's tokenizer).
    static let trainingConfig = LlamaConfig(layerCount: 2, embeddingSize: 32, feedForwardSize: 64, headCount: 4,
                                            kvHeadCount: 2, ropeBase: 10_000, ropeDimensions: 8, rmsEpsilon: 1e-5,
                                            vocabularySize: vocabularySize, contextLength: 256)

    /// The 1-layer d=16 model the GGUF fuzz target starts from.
    static let fuzzConfig = LlamaConfig(layerCount: 1, embeddingSize: 16, feedForwardSize: 32, headCount: 2,
                                        kvHeadCount: 1, ropeBase: 10_000, ropeDimensions: 8, rmsEpsilon: 1e-5,
                                        vocabularySize: vocabularySize, contextLength: 256)

    /// A Llama GGUF with random weights (seeded) for `config` and `tokenizer` metadata.
    /// - Parameters:
    ///   - embeddingType: the type of `token_embd.weight` (the other matrices are F32).
    ///   - edit: changes the metadata (key, value) list before it is written (tests write hostile values).
    static func gguf(_ config: LlamaConfig, seed: UInt64 = 3, tokenizer: [(String, GGUFValue)] = tokenizerMetadata,
                     embeddingType: QuantType = .f32,
                     edit: (inout [(String, GGUFValue)]) -> Void = { _ in }) throws -> GGUFWriter {
        let weights = DenseLlamaWeights(randomWith: config, seed: seed)
        let d = config.embeddingSize
        var writer = GGUFWriter()
        let meta: [(String, GGUFValue)] = [
            ("general.architecture", .string("llama")), ("llama.block_count", .uint32(UInt32(config.layerCount))),
            ("llama.embedding_length", .uint32(UInt32(d))), ("llama.feed_forward_length", .uint32(UInt32(config.feedForwardSize))),
            ("llama.attention.head_count", .uint32(UInt32(config.headCount))),
            ("llama.attention.head_count_kv", .uint32(UInt32(config.kvHeadCount))),
            ("llama.rope.dimension_count", .uint32(UInt32(config.ropeDimensions))),
            ("llama.rope.freq_base", .float32(Float(config.ropeBase))),
            ("llama.attention.layer_norm_rms_epsilon", .float32(config.rmsEpsilon)),
            ("llama.context_length", .uint32(UInt32(config.contextLength))),
        ]
        var metadata = meta + tokenizer
        edit(&metadata)
        for (key, value) in metadata { writer.setMetadata(key, value) }
        try writer.addTensor(name: "token_embd.weight", dimensions: [d, config.vocabularySize], type: embeddingType,
                             floats: weights.tokenEmbedding)
        try writer.addTensor(name: "output_norm.weight", dimensions: [d], type: .f32, floats: weights.finalNorm)
        let names: [(LlamaProjection, String)] = [(.query, "attn_q"), (.key, "attn_k"), (.value, "attn_v"),
                                                  (.output, "attn_output"), (.gate, "ffn_gate"), (.up, "ffn_up"),
                                                  (.down, "ffn_down")]
        for l in 0..<config.layerCount {
            try writer.addTensor(name: "blk.\(l).attn_norm.weight", dimensions: [d], type: .f32, floats: weights.attentionNorms[l])
            try writer.addTensor(name: "blk.\(l).ffn_norm.weight", dimensions: [d], type: .f32, floats: weights.feedForwardNorms[l])
            for (projection, name) in names {
                let (rows, columns) = projection.shape(config)
                try writer.addTensor(name: "blk.\(l).\(name).weight", dimensions: [columns, rows], type: .f32,
                                     floats: weights.matrices[l][projection]!)
            }
        }
        return writer
    }

    /// A BERT uncased WordPiece `tokenizer.json` (Hugging Face `tokenizers` layout) with 64 tokens.
    static var wordPieceJSON: FuzzJSON {
        let words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "of", "and", "to", "in", "is", "it", "on",
                     "bee", "##s", "honey", "hive", "comet", "##et", "ice", "tail", "river", "water", "sun", "make", "##ing",
                     "run", "##ner", "pay", "##roll", "friday", "secret", "team", "build", "!", ",", ".", "?", "'", "-",
                     "(", ")", "中", "文", "e", "##e", "##a", "##n", "##t", "x", "##x", "1", "##1", "2", "##2", "q", "##u",
                     "un", "##able", "[", "]", "|", "#"]
        let vocab = FuzzJSON.object(words.enumerated().map { .init(key: $0.element, value: .number("\($0.offset)")) })
        func added(_ id: Int, _ content: String) -> FuzzJSON {
            .obj(["id": .number("\(id)"), "content": .string(content), "single_word": .bool(false), "lstrip": .bool(false),
                  "rstrip": .bool(false), "normalized": .bool(false), "special": .bool(true)])
        }
        return .obj([
            "version": .string("1.0"), "truncation": .null, "padding": .null,
            "added_tokens": .array([added(0, "[PAD]"), added(1, "[UNK]"), added(2, "[CLS]"), added(3, "[SEP]"), added(4, "[MASK]")]),
            "normalizer": .obj(["type": .string("BertNormalizer"), "clean_text": .bool(true),
                                "handle_chinese_chars": .bool(true), "strip_accents": .null, "lowercase": .bool(true)]),
            "pre_tokenizer": .obj(["type": .string("BertPreTokenizer")]),
            "post_processor": .obj(["type": .string("TemplateProcessing")]),
            "decoder": .obj(["type": .string("WordPiece"), "prefix": .string("##"), "cleanup": .bool(true)]),
            "model": .obj(["type": .string("WordPiece"), "unk_token": .string("[UNK]"),
                           "continuing_subword_prefix": .string("##"), "max_input_chars_per_word": .number("100"),
                           "vocab": vocab]),
        ])
    }
}
