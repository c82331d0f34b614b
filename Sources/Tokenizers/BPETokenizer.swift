/// GPT-2 style byte-level BPE tokenizer with llama.cpp semantics (`tokenizer.ggml.model = gpt2`),
/// e.g. SmolLM2's (`tokenizer.ggml.pre = smollm`).
///
/// Encoding: special tokens are cut out of the text first (leftmost, longest); each remaining
/// stretch is split by `ByteLevelPreTokenizer`; each piece's UTF-8 bytes start as one symbol per
/// byte (GPT-2's byte ↔ character mapping) and are merged by rank, lowest first. No BOS is added.
/// Decoding maps ids back to bytes, so any UTF-8 text round-trips.
public struct BPETokenizer: Sendable {
    /// How llama.cpp's pre-tokenizer splits text before BPE.
    public enum PreTokenizer: String, Sendable {
        /// `smollm`: every digit alone, then the GPT-2 pattern.
        case smollm
        /// `gpt2` (and the default): the GPT-2 pattern.
        case gpt2
    }

    /// GGUF `tokenizer.ggml.token_type` values.
    public enum TokenType: Int, Sendable {
        case undefined = 0, normal, unknown, control, userDefined, unused, byte
    }

    /// Beginning-of-sequence id (`tokenizer.ggml.bos_token_id`); this tokenizer never adds it.
    public let bosId: Int?
    /// End-of-sequence id (`tokenizer.ggml.eos_token_id`).
    public let eosId: Int?
    /// Unknown-token id (`tokenizer.ggml.unknown_token_id`).
    public let unknownId: Int?
    /// Padding id (`tokenizer.ggml.padding_token_id`).
    public let paddingId: Int?
    /// Id of `<|im_start|>`, if the vocabulary has it.
    public let imStartId: Int?
    /// Id of `<|im_end|>`, if the vocabulary has it.
    public let imEndId: Int?
    /// Id of `<|endoftext|>`, if the vocabulary has it.
    public let endOfTextId: Int?
    /// Ids after which generation stops, as llama.cpp collects them: EOS, EOT and the control
    /// tokens it knows as end of turn or fill-in-the-middle separators
    /// (for SmolLM2: `<|endoftext|>` 0, `<|im_end|>` 2, `<reponame>` 4).
    public let endOfGenerationIds: Set<Int>
    /// The pre-tokenizer in use.
    public let preTokenizer: PreTokenizer
    /// Number of ids (`tokenizer.ggml.tokens` entries / highest vocabulary id + 1).
    public var vocabularySize: Int { tokens.count }

    let tokens: [String]                 // [vocabularySize] vocabulary strings (byte-level form)
    let tokenTypes: [TokenType]          // [vocabularySize]
    let tokenIds: [String: Int]          // vocabulary string → id (the last id wins, as in llama.cpp)
    let byteSymbols: [Int32]             // [256] symbol id of each single byte
    let merges: PackedTable              // (left << 32 | right) → (rank << 32 | merged symbol)
    let extraSymbolBytes: [[UInt8]]      // bytes of symbol `vocabularySize + i`: merge results missing from the vocabulary
    let decodedBytes: [UInt8]            // bytes of every id, back to back
    let decodedOffsets: [Int32]          // [vocabularySize + 1] start of each id's bytes in `decodedBytes`
    let specialMatcher: SpecialTokenMatcher      // control, unknown and user-defined tokens
    let userDefinedMatcher: SpecialTokenMatcher  // user-defined tokens only
    let splitter: ByteLevelPreTokenizer

    /// A tokenizer from GGUF-style arrays.
    /// - Parameters:
    ///   - tokens: vocabulary strings in byte-level form (`Ġthe`), index = id.
    ///   - merges: `"left right"` pairs, highest priority first.
    ///   - tokenTypes: one `TokenType` raw value per token (3 = control, 4 = user-defined).
    ///   - bosId, eosId, unknownId, paddingId, endOfTurnId: special ids, when the model has them.
    ///   - preTokenizer: how text is split before merging.
    /// - Throws: `TokenizerError` when arrays disagree in length, a merge line is malformed or an id is out of range.
    public init(tokens: [String], merges: [String], tokenTypes: [Int], bosId: Int? = nil, eosId: Int? = nil,
                unknownId: Int? = nil, paddingId: Int? = nil, endOfTurnId: Int? = nil,
                preTokenizer: PreTokenizer = .smollm) throws {
        try self.init(tokens: tokens, merges: merges, tokenTypes: tokenTypes, bosId: bosId, eosId: eosId,
                      unknownId: unknownId, paddingId: paddingId, endOfTurnId: endOfTurnId,
                      preTokenizer: preTokenizer, source: "BPETokenizer arguments")
    }

    init(tokens: [String], merges: [String], tokenTypes rawTypes: [Int], bosId: Int?, eosId: Int?,
         unknownId: Int?, paddingId: Int?, endOfTurnId: Int?, preTokenizer: PreTokenizer, source: String) throws {
        guard !tokens.isEmpty else { throw TokenizerError.missingField(file: source, field: "tokenizer.ggml.tokens") }
        guard rawTypes.count == tokens.count else {
            throw TokenizerError.invalidField(file: source, field: "tokenizer.ggml.token_type",
                                              value: "\(rawTypes.count) entries", expected: "\(tokens.count), one per token")
        }
        let fields = [("bos_token_id", bosId), ("eos_token_id", eosId), ("unknown_token_id", unknownId),
                      ("padding_token_id", paddingId), ("eot_token_id", endOfTurnId)]
        for (field, id) in fields {
            if let id, !tokens.indices.contains(id) {
                throw TokenizerError.invalidField(file: source, field: "tokenizer.ggml.\(field)", value: "\(id)",
                                                  expected: "an id in 0..<\(tokens.count)")
            }
        }
        self.tokens = tokens
        tokenTypes = rawTypes.map { TokenType(rawValue: $0) ?? .undefined }
        tokenIds = Dictionary(tokens.enumerated().map { ($1, $0) }, uniquingKeysWith: { $1 })
        self.bosId = bosId
        self.eosId = eosId
        self.unknownId = unknownId
        self.paddingId = paddingId
        self.preTokenizer = preTokenizer
        splitter = ByteLevelPreTokenizer(splitsDigits: preTokenizer == .smollm)

        let table = try MergeTableBuilder(tokenIds: tokenIds, vocabularySize: tokens.count, merges: merges, source: source)
        byteSymbols = table.byteSymbols
        self.merges = table.merges
        extraSymbolBytes = table.extraSymbolBytes

        var bytes = [UInt8](), offsets = [Int32(0)]
        for (token, type) in zip(tokens, tokenTypes) {
            switch type {
            case .normal, .undefined: bytes += ByteLevelEncoding.bytes(of: token)
            case .control, .userDefined, .unknown: bytes += Array(token.utf8)
            case .unused, .byte: break
            }
            offsets.append(Int32(bytes.count))
        }
        decodedBytes = bytes
        decodedOffsets = offsets

        let specials = zip(tokens, tokenTypes).enumerated().filter { [.control, .unknown, .userDefined].contains($1.1) }
        specialMatcher = SpecialTokenMatcher(specials.map { ($1.0, $0) })
        userDefinedMatcher = SpecialTokenMatcher(specials.filter { $1.1 == .userDefined }.map { ($1.0, $0) })

        let ids = tokenIds
        func special(_ text: String) -> Int? { ids[text].flatMap { rawTypes[$0] == 3 ? $0 : nil } }
        imStartId = special("<|im_start|>")
        imEndId = special("<|im_end|>")
        endOfTextId = special("<|endoftext|>")
        let endTexts = ["<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|end|>",
                        "<EOT>", "_<EOT>", "<|end_of_text|>", "<｜end▁of▁sentence｜>",
                        "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<|file_sep|>",
                        "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]
        endOfGenerationIds = Set([eosId, endOfTurnId].compactMap { $0 } + endTexts.compactMap(special))
    }

    /// The id of a vocabulary string (byte-level form, e.g. `"Ġthe"`, or a special token such as
    /// `"<|im_end|>"`), or nil.
    public func tokenId(for token: String) -> Int? { tokenIds[token] }

    /// The vocabulary string of `id` (byte-level form), or nil when out of range.
    public func token(for id: Int) -> String? { tokens.indices.contains(id) ? tokens[id] : nil }

    /// The GGUF token type of `id` (`.normal` for ordinary text), or nil when out of range.
    public func tokenType(of id: Int) -> TokenType? { tokenTypes.indices.contains(id) ? tokenTypes[id] : nil }

    /// Token ids of `text` as plain text: control-token strings written in it (`<|im_start|>`) are
    /// tokenized as ordinary characters (`encode(text, parseSpecial: false)`). No BOS is added.
    /// Text from users and documents must never become control tokens; prompts with control
    /// tokens are built from `ChatTemplate.pieces` and `encode(_ pieces:)`.
    public func encode(_ text: String) -> [Int] {
        encode(text, parseSpecial: false)
    }

    /// Token ids of a templated prompt: special tokens parsed in the template's control pieces
    /// only; message text is plain (see `ChatTemplate`).
    public func encode(_ pieces: [ChatTemplate.Piece]) -> [Int] {
        pieces.flatMap { piece -> [Int] in
            switch piece {
            case .control(let token): return encode(token, parseSpecial: true)
            case .text(let text): return encode(text, parseSpecial: false)
            }
        }
    }

    /// Token ids of `text`. No BOS is added.
    /// - Parameter parseSpecial: whether control tokens written in the text (`<|im_start|>`) become
    ///   their ids (llama.cpp `parse_special`); when false they are tokenized as plain text.
    ///   User-defined tokens are recognized either way, as in llama.cpp.
    public func encode(_ text: String, parseSpecial: Bool) -> [Int] {
        var ids = [Int]()
        ids.reserveCapacity(text.utf8.count / 3 + 1)
        var session = BPESession()
        session.cachesPieces = text.utf8.count >= 1024
        var scratch = ByteLevelPreTokenizer.Scratch()
        let matcher = parseSpecial ? specialMatcher : userDefinedMatcher
        var text = text
        text.withUTF8 { bytes in
            matcher.split(bytes, onText: { range in
                splitter.forEachPiece(in: bytes, range: range, scratch: &scratch) { piece in
                    appendMerged(UnsafeBufferPointer(rebasing: bytes[piece]), to: &ids, session: &session)
                }
            }, onSpecial: { ids.append($0) })
        }
        return ids
    }

    /// Text of `ids`, special tokens written out (`<|im_end|>`). Invalid UTF-8 (an id sequence cut
    /// inside a character) becomes U+FFFD; ids out of range are skipped.
    public func decode(_ ids: [Int]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }

    /// Text of `ids`; with `skipSpecial`, control and unknown tokens are left out (llama.cpp
    /// `detokenize(special: false)`).
    public func decode(_ ids: [Int], skipSpecial: Bool) -> String {
        String(decoding: decodeBytes(ids, skipSpecial: skipSpecial), as: UTF8.self)
    }

    /// The raw bytes of `ids`, which need not be complete UTF-8.
    public func decodeBytes(_ ids: [Int], skipSpecial: Bool = false) -> [UInt8] {
        var bytes = [UInt8]()
        for id in ids { bytes += self.bytes(of: id, skipSpecial: skipSpecial) }
        return bytes
    }

    /// The bytes one id stands for (empty for ids out of range).
    public func bytes(of id: Int, skipSpecial: Bool = false) -> ArraySlice<UInt8> {
        guard tokens.indices.contains(id) else { return [] }
        if skipSpecial && (tokenTypes[id] == .control || tokenTypes[id] == .unknown) { return [] }
        return decodedBytes[Int(decodedOffsets[id])..<Int(decodedOffsets[id + 1])]
    }
}
