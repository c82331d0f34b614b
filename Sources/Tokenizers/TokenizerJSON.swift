import Foundation

/// The parts of a Hugging Face `tokenizer.json` that a WordPiece (BERT) tokenizer needs.
/// The file's `truncation` and `padding` are deliberately not read: callers choose them.
struct TokenizerJSON: Decodable {
    var model: Model
    var normalizer: Normalizer?
    var preTokenizer: PreTokenizer?
    var addedTokens: [AddedToken]?

    enum CodingKeys: String, CodingKey {
        case model, normalizer
        case preTokenizer = "pre_tokenizer"
        case addedTokens = "added_tokens"
    }

    struct Model: Decodable {
        var type: String?
        var vocab: [String: Int]
        var unknownToken: String
        var continuingSubwordPrefix: String?
        var maxInputCharsPerWord: Int?

        enum CodingKeys: String, CodingKey {
            case type, vocab
            case unknownToken = "unk_token"
            case continuingSubwordPrefix = "continuing_subword_prefix"
            case maxInputCharsPerWord = "max_input_chars_per_word"
        }
    }

    struct Normalizer: Decodable {
        var type: String
        var cleanText: Bool?
        var handleChineseChars: Bool?
        /// `null` means "same as `lowercase`".
        var stripAccents: Bool?
        var lowercase: Bool?

        enum CodingKeys: String, CodingKey {
            case type, lowercase
            case cleanText = "clean_text"
            case handleChineseChars = "handle_chinese_chars"
            case stripAccents = "strip_accents"
        }
    }

    struct PreTokenizer: Decodable {
        var type: String
    }

    struct AddedToken: Decodable {
        var id: Int
        var content: String
        var special: Bool?
        /// Whether the token is matched in normalized text; false means in the raw input.
        var normalized: Bool?
    }

    /// Reads and decodes `url`, turning decoding failures into `TokenizerError`s that name the field.
    static func load(_ url: URL) throws -> TokenizerJSON {
        let file = url.lastPathComponent
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.unreadable(file: url.path, reason: "\(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(TokenizerJSON.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw TokenizerError.missingField(file: file, field: path(context.codingPath + [key]))
        } catch let DecodingError.valueNotFound(_, context) {
            throw TokenizerError.missingField(file: file, field: path(context.codingPath))
        } catch let DecodingError.typeMismatch(type, context) {
            throw TokenizerError.invalidField(file: file, field: path(context.codingPath),
                                              value: "of another type", expected: "\(type)")
        } catch let DecodingError.dataCorrupted(context) {
            throw TokenizerError.unreadable(file: file, reason: context.debugDescription)
        } catch {
            throw TokenizerError.unreadable(file: file, reason: "\(error)")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            .joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }
}
