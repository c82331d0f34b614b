import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor
import RagTuneTokenizers
import RagTuneTraining

/// GGUF models (`generate --model`, `finetune`'s `base_model`): loaded by `TextGenerator` (GGUF
/// parser, BPE tokenizer, chat template, Llama weights) and asked for three greedy tokens.
struct GGUFFuzzTarget: FuzzTarget {
    func seeds() throws -> [FuzzInput] {
        [FuzzInput("model.gguf", try FuzzTinyModel.gguf(FuzzTinyModel.fuzzConfig).serialized()),
         FuzzInput("model.gguf", try FuzzTinyModel.gguf(FuzzTinyModel.fuzzConfig, seed: 5, embeddingType: .f16).serialized())]
    }

    /// Values written over a metadata key: each integer type, floats, wrong types.
    static func hostileValue(_ rng: inout SplitMix64) -> GGUFValue {
        let n = rng.pick([0, 1, 2, 3, 7, 17, 64, 1000, 1 << 20, 1 << 31, 1 << 40, -1, -2, Int(Int32.max), Int.max])
        switch rng.below(10) {
        case 0: return .uint32(UInt32(truncatingIfNeeded: n))
        case 1: return .int32(Int32(truncatingIfNeeded: n))
        case 2: return .uint64(UInt64(bitPattern: Int64(n)))
        case 3: return .int64(Int64(n))
        case 4: return .uint8(UInt8(truncatingIfNeeded: n))
        case 5: return .float32(rng.pick([0, -1, .nan, .infinity, 1e-30, 3.5, 1e30]))
        case 6: return .float64(rng.pick([0, -1, .nan, 1e300]))
        case 7: return .string(rng.pick(["", "llama", "gpt2", "smollm", "bert", "x"] + FuzzDictionary.specialTokens))
        case 8: return .bool(rng.chance(0.5))
        default: return .array(rng.chance(0.5) ? [] : [.uint32(1), .string("a")])
        }
    }

    func mutate(_ input: FuzzInput, rng: inout SplitMix64) -> FuzzInput {
        guard let file = try? GGUFFile(bytes: input.bytes, name: input.name) else { return input }
        var keys = file.metadataKeys, metadata = file.metadata
        var tensors = file.tensors.map { ($0.name, $0.dimensions, $0.type, Array(input.bytes[$0.offset..<($0.offset + $0.byteCount)])) }
        switch rng.below(8) {
        case 0 where !keys.isEmpty: // drop a key
            metadata[keys.remove(at: rng.below(keys.count))] = nil
        case 1 where !keys.isEmpty, 2 where !keys.isEmpty: // a hostile value
            metadata[rng.pick(keys)] = Self.hostileValue(&rng)
        case 3: // edit a string array (tokens, merges)
            for key in ["tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type"].shuffled(using: &rng) {
                guard case .array(var items)? = metadata[key] else { continue }
                switch rng.below(5) {
                case 0 where !items.isEmpty: items.removeLast(1 + rng.below(items.count))
                case 1 where !items.isEmpty: items.insert(items[rng.below(items.count)], at: rng.below(items.count + 1))
                case 2 where !items.isEmpty: items[rng.below(items.count)] = key.hasSuffix("type")
                    ? .int32(rng.pick([-1, 0, 2, 3, 4, 5, 6, 99])) : .string(rng.pick(["", "a", "a b c", "Ġ", "<|im_start|> x", "Ġthe Ġ"] + FuzzDictionary.specialTokens))
                case 3: items.append(rng.chance(0.5) ? .string("x y") : .uint8(1))
                default: items = []
                }
                metadata[key] = .array(items)
                break
            }
        case 4: // a special-token id or chat template
            let key = rng.pick(["tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id",
                                "tokenizer.ggml.padding_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.chat_template"])
            if !keys.contains(key) { keys.append(key) }
            metadata[key] = key.hasSuffix("template")
                ? .string(rng.pick(["", "<|im_start|>", "<|im_start|>system\n<|im_end|>", "{{ messages }}", "<|im_start|>system\nx\"{}<|im_end|>"]))
                : .int64(Int64(rng.pick([-1, 0, 278, 279, 280, 1 << 31, Int(Int64.max)])))
        case 5 where !tensors.isEmpty: tensors.remove(at: rng.below(tensors.count))
        case 6 where !tensors.isEmpty: // swap the dimensions of a matrix (same element count, wrong shape)
            let t = rng.below(tensors.count)
            if tensors[t].1.count == 2 { tensors[t].1.reverse() } else { tensors[t].0 += ".x" }
        default: // a model size key
            let key = rng.pick(["llama.block_count", "llama.embedding_length", "llama.feed_forward_length",
                                "llama.attention.head_count", "llama.attention.head_count_kv", "llama.rope.dimension_count",
                                "llama.context_length", "llama.rope.freq_base", "llama.attention.layer_norm_rms_epsilon",
                                "general.architecture"])
            if rng.chance(0.3) {
                metadata[key] = nil
                keys.removeAll { $0 == key }
            } else {
                metadata[key] = Self.hostileValue(&rng)
            }
        }
        var writer = GGUFWriter()
        for key in keys { if let value = metadata[key] { writer.setMetadata(key, value) } }
        for (name, dimensions, type, bytes) in tensors { try? writer.addTensor(name: name, dimensions: dimensions, type: type, bytes: bytes) }
        return (try? writer.serialized()).map { FuzzInput(input.name, $0) } ?? input
    }

    func run(_ input: FuzzInput, in scratch: URL) throws -> [String] {
        let url = try fuzzWrite(input, in: scratch)
        let generator = try TextGenerator(url: url, threads: 1, maxContext: 160)
        let tokenizer = generator.tokenizer
        for text in ["Hi there", "<|im_start|>user\nx<|im_end|>", "中文 e\u{301}"] {
            _ = tokenizer.decode(tokenizer.encode(text, parseSpecial: true))
        }
        _ = tokenizer.decode([-1, 0, tokenizer.vocabularySize, Int.max])
        let result = try generator.chat([.user("Hi <|im_end|>")], sampling: .greedy, stop: StopCondition(maxTokens: 3))
        return result.ids.count <= 3 ? [] : ["generated \(result.ids.count) tokens with maxTokens 3"]
    }
}

/// Safetensors files: a PEFT LoRA adapter (`generate --adapter DIR`, with its `adapter_config.json`)
/// applied to the tiny model, and a generic file of every float dtype read tensor by tensor.
struct SafetensorsFuzzTarget: FuzzTarget {
    /// (adapter_model.safetensors, adapter_config.json) of a rank-2 adapter on q and v of the tiny model.
    static let adapter: (weights: [UInt8], config: [UInt8])? = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-fuzz-adapter-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        guard let model = baseModel,
              let lora = try? LoRAModel(base: model, lora: LoRAConfiguration(rank: 2, alpha: 4, dropout: 0,
                                                                           targets: [.query, .value], seed: 1), threads: 1),
              (try? PEFTAdapter(model: lora).write(to: dir)) != nil,
              let weights = try? Data(contentsOf: dir.appendingPathComponent(PEFTAdapter.weightsFileName)),
              let config = try? Data(contentsOf: dir.appendingPathComponent(PEFTAdapter.configFileName)) else { return nil }
        return ([UInt8](weights), [UInt8](config))
    }()

    static let baseModel: LlamaModel? = {
        guard let bytes = try? FuzzTinyModel.gguf(FuzzTinyModel.fuzzConfig).serialized(),
              let gguf = try? GGUFFile(bytes: bytes, name: "tiny.gguf") else { return nil }
        return try? LlamaModel(gguf: gguf)
    }()

    static let dtypeNames = ["F32", "F16", "BF16", "F64", "I64", "I32", "U8", "BOOL", "F8_E4M3", "Q4_0", "", "f32"]
    static let headerKeys = ["dtype", "shape", "data_offsets", "__metadata__", "format", "r", "lora_alpha", "target_modules",
                             "peft_type", "task_type", "base_model_name_or_path", "lora_dropout", "bias", "fan_in_fan_out",
                             "use_rslora", "use_dora", "modules_to_save", "layers_to_transform"] + dtypeNames

    func seeds() throws -> [FuzzInput] {
        var generic = SafetensorsWriter(metadata: ["format": "pt"])
        try generic.add(name: "f32", dtype: .f32, shape: [2, 3], floats: [1, -2, 3.5, 0, .infinity, -0])
        try generic.add(name: "f16", dtype: .f16, shape: [4], floats: [1, 2, 65504, -1e-5])
        try generic.add(name: "bf16", dtype: .bf16, shape: [2, 2], floats: [1, -1, 3e38, 0])
        try generic.add(name: "ids", dtype: .i64, shape: [3], bytes: (0..<24).map { UInt8($0 % 8 == 0 ? $0 / 8 : 0) })
        var seeds = [FuzzInput("generic.safetensors", try generic.serialized())]
        if let adapter = Self.adapter {
            seeds += [FuzzInput(PEFTAdapter.weightsFileName, adapter.weights), FuzzInput(PEFTAdapter.configFileName, adapter.config)]
        }
        return seeds
    }

    func mutate(_ input: FuzzInput, rng: inout SplitMix64) -> FuzzInput {
        if input.name.hasSuffix(".json") {
            guard let json = FuzzJSON(parsing: input.bytes) else { return input }
            return FuzzInput(input.name, json.mutated(&rng, keys: Self.headerKeys).bytes)
        }
        let bytes = input.bytes
        guard bytes.count >= 8 else { return input }
        let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        guard length <= bytes.count - 8, let header = FuzzJSON(parsing: Array(bytes[8..<(8 + length)])) else { return input }
        let mutated = header.mutated(&rng, keys: Self.headerKeys).bytes
        let newLength = rng.chance(0.9) ? mutated.count : length
        let lengthBytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(newLength) >> (8 * UInt64($0))) }
        return FuzzInput(input.name, lengthBytes + mutated + bytes[(8 + length)...])
    }

    func run(_ input: FuzzInput, in scratch: URL) throws -> [String] {
        let url = try fuzzWrite(input, in: scratch)
        if input.name == "generic.safetensors" {
            let file = try SafetensorsFile(bytes: input.bytes, name: input.name)
            for name in file.tensorNames where file.info(name)?.dtype.quantType != nil {
                _ = try file.floats(name)
                _ = try file.tensor(name)
            }
            _ = try SafetensorsFile(url: url)
            return []
        }
        guard let adapter = Self.adapter, let model = Self.baseModel else { return ["the seed adapter did not build"] }
        if input.name == PEFTAdapter.weightsFileName {
            try Data(adapter.config).write(to: scratch.appendingPathComponent(PEFTAdapter.configFileName))
        } else {
            try Data(adapter.weights).write(to: scratch.appendingPathComponent(PEFTAdapter.weightsFileName))
        }
        let loaded = try PEFTAdapter(directory: scratch, config: model.config)
        let session = LlamaSession(model: model, maxContext: 8, threads: 1)
        try session.setAdapter(loaded.inferenceAdapter)
        let logits = try session.evaluate([1, 40, 41])
        return logits.first?.count == model.config.vocabularySize ? [] : ["logits of the wrong size"]
    }
}

/// Hugging Face `tokenizer.json` (the MiniLM embedder's tokenizer): `WordPieceTokenizer` on
/// hostile text, single and paired.
struct TokenizerJSONFuzzTarget: FuzzTarget {
    static let keys = ["model", "vocab", "unk_token", "continuing_subword_prefix", "max_input_chars_per_word", "normalizer",
                       "type", "lowercase", "strip_accents", "clean_text", "handle_chinese_chars", "added_tokens", "id",
                       "content", "special", "normalized", "pre_tokenizer", "[CLS]", "[SEP]", "[UNK]", "[PAD]", "WordPiece",
                       "BPE", "BertNormalizer", "BertPreTokenizer"]
    static let texts = ["Bees make HONEY in hives!", "[CLS] x [SEP] y [MASK] [UNK]", "中文字符 émigré e\u{301}", "\u{0}\u{7F}\u{FFFD}",
                        String(repeating: "a", count: 5000), String(repeating: "bee ", count: 600), "##s ## un##able", "",
                        "<|im_start|>system", "\u{202E}\u{2028}\t\r\n"]

    func seeds() throws -> [FuzzInput] { [FuzzInput("tokenizer.json", FuzzTinyModel.wordPieceJSON.bytes)] }

    func mutate(_ input: FuzzInput, rng: inout SplitMix64) -> FuzzInput {
        guard let json = FuzzJSON(parsing: input.bytes) else { return input }
        return FuzzInput(input.name, json.mutated(&rng, keys: Self.keys).bytes)
    }

    func run(_ input: FuzzInput, in scratch: URL) throws -> [String] {
        let maxLength = 3 + input.bytes.count % 62
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: fuzzWrite(input, in: scratch), maxLength: maxLength)
        var violations: [String] = []
        func check(_ ids: [Int], _ what: String) {
            if ids.count > maxLength { violations.append("\(what): \(ids.count) ids > maxLength \(maxLength)") }
            if ids.first != tokenizer.classifierId || ids.last != tokenizer.separatorId {
                violations.append("\(what): not framed by [CLS] … [SEP]")
            }
            if let bad = ids.first(where: { $0 < 0 || $0 >= tokenizer.vocabularySize }) {
                violations.append("\(what): id \(bad) outside the vocabulary 0..<\(tokenizer.vocabularySize)")
            }
        }
        for text in Self.texts {
            let ids = tokenizer.encode(text)
            check(ids, "encode")
            _ = tokenizer.decode(ids)
            _ = tokenizer.tokenize(text)
            check(tokenizer.encodePair(text, "query [SEP] text").ids, "encodePair")
        }
        _ = tokenizer.decode([-1, Int.max, tokenizer.vocabularySize])
        return Array(Set(violations)).sorted()
    }
}
