import RagTuneModelFiles

extension BPETokenizer {
    /// The tokenizer stored in a GGUF file's metadata (llama.cpp keys):
    /// `tokenizer.ggml.model` (must be `gpt2`), `tokenizer.ggml.pre` (`smollm` or `gpt2`),
    /// `tokenizer.ggml.tokens`, `tokenizer.ggml.merges`, `tokenizer.ggml.token_type` (all normal when
    /// absent) and the optional `bos_token_id`, `eos_token_id`, `unknown_token_id`,
    /// `padding_token_id`, `eot_token_id`.
    /// - Throws: `TokenizerError` naming the file and the missing, mistyped or unsupported key.
    public init(gguf: GGUFFile) throws {
        try self.init(ggufMetadata: gguf.metadata, file: gguf.name)
    }

    /// The tokenizer described by GGUF metadata (see `init(gguf:)`); `file` names the source in errors.
    public init(ggufMetadata metadata: [String: GGUFValue], file: String = "GGUF") throws {
        func value<T>(_ key: String, _ expected: String, _ convert: (GGUFValue) -> T?) throws -> T? {
            guard let raw = metadata[key] else { return nil }
            guard let converted = convert(raw) else {
                throw TokenizerError.invalidField(file: file, field: key, value: "of another type", expected: expected)
            }
            return converted
        }
        func required<T>(_ key: String, _ expected: String, _ convert: (GGUFValue) -> T?) throws -> T {
            guard let found = try value(key, expected, convert) else {
                throw TokenizerError.missingField(file: file, field: key)
            }
            return found
        }
        func id(_ name: String) throws -> Int? {
            try value("tokenizer.ggml.\(name)", "an integer", \.intValue)
        }

        let model = try required("tokenizer.ggml.model", "a string", \.stringValue)
        guard model == "gpt2" else {
            throw TokenizerError.unsupported(file: file, field: "tokenizer.ggml.model", value: model)
        }
        let pre = try value("tokenizer.ggml.pre", "a string", \.stringValue) ?? "gpt2"
        guard let preTokenizer = PreTokenizer(rawValue: pre) else {
            throw TokenizerError.unsupported(file: file, field: "tokenizer.ggml.pre", value: pre)
        }
        let tokens = try required("tokenizer.ggml.tokens", "an array of strings", \.stringArray)
        let merges = try required("tokenizer.ggml.merges", "an array of strings", \.stringArray)
        let types = try value("tokenizer.ggml.token_type", "an array of integers") { value in
            value.arrayValue.flatMap { elements -> [Int]? in
                let ints = elements.compactMap(\.intValue)
                return ints.count == elements.count ? ints : nil
            }
        } ?? Array(repeating: TokenType.normal.rawValue, count: tokens.count)
        try self.init(tokens: tokens, merges: merges, tokenTypes: types,
                      bosId: id("bos_token_id"), eosId: id("eos_token_id"), unknownId: id("unknown_token_id"),
                      paddingId: id("padding_token_id"), endOfTurnId: id("eot_token_id"),
                      preTokenizer: preTokenizer, source: file)
    }
}
