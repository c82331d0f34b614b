import Foundation

/// BERT WordPiece tokenizer (uncased or cased), loaded from a Hugging Face `tokenizer.json`.
///
/// Follows Hugging Face `tokenizers` 0.23 (`BertNormalizer`, `BertPreTokenizer`, `WordPiece`,
/// `TemplateProcessing`) with sentence-transformers' settings: the file's truncation and padding
/// are ignored, sequences are truncated to `maxLength` tokens in all and never padded.
/// Text is plain by default: `[SEP]` written in a document is the characters `[`, `sep`, `]`
/// (Hugging Face's `split_special_tokens=True`), so no document or query can forge a separator.
/// With `parseSpecial: true`, added tokens that match the raw input (`"normalized": false`) are
/// recognized in text, as `tokenizers` does by default.
public struct WordPieceTokenizer: Sendable {
    /// Most ids `encode` and `encodePair` return, `[CLS]` and `[SEP]` included.
    public let maxLength: Int
    /// Id of `[CLS]`, put first.
    public let classifierId: Int
    /// Id of `[SEP]`, put after each sequence.
    public let separatorId: Int
    /// Id of `[PAD]`, if the vocabulary has one (this tokenizer never pads).
    public let paddingId: Int?
    /// Id of the unknown token (`model.unk_token`), used for words with no WordPiece split.
    public let unknownId: Int
    /// Number of ids (highest `model.vocab` id + 1).
    public var vocabularySize: Int { tokens.count }

    private let tokens: [String]            // [vocabularySize] id → token, "" where no token has the id
    private let trie: ByteTrie              // all vocabulary strings
    private let continuationRoot: Int32?    // trie node after the `##` prefix
    private let continuationPrefix: String
    private let maxInputCharsPerWord: Int
    private let normalizer: BertNormalizer
    private let addedTokens: SpecialTokenMatcher
    private let specialIds: Set<Int>        // added tokens marked special, dropped by `decode`

    /// Loads `tokenizer.json`.
    /// - Parameters:
    ///   - tokenizerJSON: a Hugging Face `tokenizer.json` with a `WordPiece` model.
    ///   - maxLength: most ids per encoded sequence or pair, `[CLS]` and `[SEP]` included
    ///     (sentence-transformers' `max_seq_length`); at least 3.
    /// - Throws: `TokenizerError` naming the file and field that is missing or unsupported.
    public init(tokenizerJSON: URL, maxLength: Int = 256) throws {
        let file = tokenizerJSON.lastPathComponent
        guard maxLength >= 3 else {
            throw TokenizerError.invalidField(file: "WordPieceTokenizer", field: "maxLength",
                                              value: "\(maxLength)", expected: "at least 3")
        }
        let json = try TokenizerJSON.load(tokenizerJSON)
        let model = json.model
        if let type = model.type, type != "WordPiece" {
            throw TokenizerError.unsupported(file: file, field: "model.type", value: type)
        }
        if let type = json.preTokenizer?.type, type != "BertPreTokenizer" {
            throw TokenizerError.unsupported(file: file, field: "pre_tokenizer.type", value: type)
        }
        if let config = json.normalizer {
            guard config.type == "BertNormalizer" else {
                throw TokenizerError.unsupported(file: file, field: "normalizer.type", value: config.type)
            }
            let lowercase = config.lowercase ?? true
            normalizer = BertNormalizer(cleanText: config.cleanText ?? true,
                                        handleChineseChars: config.handleChineseChars ?? true,
                                        stripAccents: config.stripAccents ?? lowercase, lowercase: lowercase)
        } else {
            normalizer = BertNormalizer(cleanText: false, handleChineseChars: false,
                                        stripAccents: false, lowercase: false)
        }

        let vocab = model.vocab
        guard !vocab.isEmpty else { throw TokenizerError.missingField(file: file, field: "model.vocab") }
        var tokens = [String]()
        for (token, id) in vocab {
            guard id >= 0 && id < 10_000_000 else {
                throw TokenizerError.invalidField(file: file, field: "model.vocab.\(token)", value: "\(id)",
                                                  expected: "an id in 0..<10000000")
            }
            if id >= tokens.count { tokens += Array(repeating: "", count: id + 1 - tokens.count) }
            tokens[id] = token
        }
        func id(_ token: String, _ field: String) throws -> Int {
            guard let id = vocab[token] else { throw TokenizerError.missingToken(file: file, field: field, token: token) }
            return id
        }
        self.tokens = tokens
        self.maxLength = maxLength
        classifierId = try id("[CLS]", "post_processor")
        separatorId = try id("[SEP]", "post_processor")
        paddingId = vocab["[PAD]"]
        unknownId = try id(model.unknownToken, "model.unk_token")
        continuationPrefix = model.continuingSubwordPrefix ?? "##"
        maxInputCharsPerWord = model.maxInputCharsPerWord ?? 100
        trie = ByteTrie(vocab)
        continuationRoot = trie.node(from: ByteTrie.root, following: continuationPrefix.utf8)

        let added = json.addedTokens ?? []
        addedTokens = SpecialTokenMatcher(added.filter { $0.normalized != true }.map { ($0.content, $0.id) })
        specialIds = Set(added.filter { $0.special == true }.map(\.id))
    }

    /// Token ids of `text` (plain text) as sentence-transformers feeds them to the model:
    /// `[CLS] pieces… [SEP]`, at most `maxLength` ids (pieces past `maxLength - 2` are dropped).
    public func encode(_ text: String) -> [Int] {
        encode(text, parseSpecial: false)
    }

    /// Token ids of `text`; with `parseSpecial`, added tokens written in it (`[SEP]`, `[MASK]`)
    /// become their ids.
    public func encode(_ text: String, parseSpecial: Bool) -> [Int] {
        var ids = [classifierId]
        ids.reserveCapacity(min(maxLength, text.utf8.count / 3 + 2))
        appendPieces(of: text, to: &ids, limit: maxLength - 1, parseSpecial: parseSpecial)
        ids.append(separatorId)
        return ids
    }

    /// Ids and token type ids of a sentence pair (plain text), for cross-encoders:
    /// `[CLS] a [SEP] b [SEP]` with types `0…0 1…1`, at most `maxLength` ids.
    ///
    /// Truncation is `tokenizers`' longest-first: the shorter sequence is kept whole when it fits
    /// in half the budget, otherwise both get half (the second the odd token).
    /// Both texts are tokenized in full before truncation.
    /// - Returns: `ids` and `tokenTypeIds`, of equal length.
    public func encodePair(_ a: String, _ b: String) -> (ids: [Int], tokenTypeIds: [Int]) {
        var first = [Int](), second = [Int]()
        appendPieces(of: a, to: &first, limit: .max)
        appendPieces(of: b, to: &second, limit: .max)
        let budget = maxLength - 3
        if first.count + second.count > budget {
            var (n1, n2) = (first.count, second.count)
            let swapped = n1 > n2
            if swapped { swap(&n1, &n2) }
            n2 = n1 > budget ? n1 : max(n1, budget - n1)
            if n1 + n2 > budget {
                n1 = budget / 2
                n2 = n1 + budget % 2
            }
            if swapped { swap(&n1, &n2) }
            first.removeLast(max(0, first.count - n1))
            second.removeLast(max(0, second.count - n2))
        }
        let ids = [classifierId] + first + [separatorId] + second + [separatorId]
        let types = Array(repeating: 0, count: first.count + 2) + Array(repeating: 1, count: second.count + 1)
        return (ids, types)
    }

    /// The word pieces of `text` as strings (`["hello", ",", "un", "##believ", "##able"]`),
    /// without `[CLS]`/`[SEP]` and without truncation.
    public func tokenize(_ text: String) -> [String] {
        var ids = [Int]()
        appendPieces(of: text, to: &ids, limit: .max)
        return ids.map { tokens[$0] }
    }

    /// The vocabulary string of `id`, or nil when out of range.
    public func token(for id: Int) -> String? {
        tokens.indices.contains(id) && !tokens[id].isEmpty ? tokens[id] : nil
    }

    /// Text for `ids` as `tokenizers`' WordPiece decoder gives it: special tokens skipped,
    /// `##` pieces glued to the previous piece, other pieces joined by spaces, and the
    /// cleanup of spaces before punctuation (`" ."` → `"."`, `" n't"` → `"n't"`, …).
    public func decode(_ ids: [Int]) -> String {
        var text = ""
        for id in ids where tokens.indices.contains(id) && !specialIds.contains(id) {
            var piece = tokens[id]
            if !text.isEmpty {
                if !continuationPrefix.isEmpty && piece.hasPrefix(continuationPrefix) {
                    piece.removeFirst(continuationPrefix.count)
                } else {
                    piece = " " + piece
                }
            }
            text += Self.cleanup(piece)
        }
        return text
    }

    private static func cleanup(_ piece: String) -> String {
        var s = piece
        for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                           (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")]
        where s.contains(from) {
            s = s.replacingOccurrences(of: from, with: to)
        }
        return s
    }

    /// Appends the piece ids of `text` (no `[CLS]`/`[SEP]`) to `ids` until `ids.count == limit`.
    private func appendPieces(of text: String, to ids: inout [Int], limit: Int, parseSpecial: Bool = false) {
        if ids.count >= limit { return }
        if addedTokens.isEmpty || !parseSpecial {
            appendNormalizedPieces(of: text[...], to: &ids, limit: limit)
            return
        }
        enum Segment { case text(Range<Int>), special(Int) }
        var segments = [Segment]()
        var utf8 = text
        utf8.withUTF8 { bytes in
            addedTokens.split(bytes, onText: { segments.append(.text($0)) },
                              onSpecial: { segments.append(.special($0)) })
        }
        let view = text.utf8
        for segment in segments where ids.count < limit {
            switch segment {
            case .special(let id):
                ids.append(id)
            case .text(let range):
                let lower = view.index(view.startIndex, offsetBy: range.lowerBound)
                let upper = view.index(view.startIndex, offsetBy: range.upperBound)
                appendNormalizedPieces(of: text[lower..<upper], to: &ids, limit: limit)
            }
        }
    }

    private func appendNormalizedPieces(of text: Substring, to ids: inout [Int], limit: Int) {
        normalizer.forEachWord(in: text) { word, scalarCount in
            appendWordPieces(of: word, scalarCount: scalarCount, to: &ids)
            if ids.count >= limit {
                ids.removeLast(ids.count - limit)
                return false
            }
            return true
        }
    }

    /// Greedy longest-match-first split of one normalized word; the whole word becomes the
    /// unknown token when it is longer than `maxInputCharsPerWord` scalars or some part has no match.
    private func appendWordPieces(of word: [UInt8], scalarCount: Int, to ids: inout [Int]) {
        let firstPiece = ids.count
        var start = 0
        if scalarCount <= maxInputCharsPerWord {
            while start < word.count {
                guard let root = start == 0 ? ByteTrie.root : continuationRoot,
                      let match = trie.longestMatch(in: word, from: start, start: root) else { break }
                ids.append(Int(match.id))
                start = match.end
            }
        }
        if start < word.count {
            ids.removeLast(ids.count - firstPiece)
            ids.append(unknownId)
        }
    }
}
