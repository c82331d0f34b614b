import Foundation
import RagTuneRetrieval
import RagTuneStorage

/// One document sent to `POST /v1/collections/{c}/documents`.
struct DocumentInput: Decodable, Sendable {
    var id: String
    var text: String
    var title: String?
    /// Where it came from (default `api:<id>`).
    var source: String?
    var metadata: [String: String]?
    /// Names (ACL groups) that may see it; empty or absent: every key of the tenant.
    var acl: [String]?

    /// The document to store.
    /// - Throws: `APIError.invalid` naming the document and field at fault.
    func sourceDocument(at index: Int) throws -> SourceDocument {
        let field = "documents[\(index)]"
        guard !id.isEmpty, id.count <= 512, !id.contains(where: \.isNewline) else {
            throw APIError.invalid("\(field).id must be 1-512 characters on one line", param: "\(field).id")
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError.invalid("\(field).text is empty", param: "\(field).text")
        }
        for name in acl ?? [] where !APIKeyStore.isValidName(name) {
            throw APIError.invalid("\(field).acl: '\(name)' is not a group name (1-64 of A-Z a-z 0-9 . _ -)", param: "\(field).acl")
        }
        return SourceDocument(id: id, sourcePath: source ?? "api:\(id)", title: title ?? id, text: text,
                              metadata: metadata ?? [:], acl: acl ?? [])
    }
}

/// The body of `POST /v1/collections/{c}/documents`: `{"documents": [...]}` or one document.
struct DocumentUpload: Decodable, Sendable {
    var documents: [DocumentInput]

    enum CodingKeys: String, CodingKey { case documents }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if c.contains(.documents) {
            documents = try c.decode([DocumentInput].self, forKey: .documents)
        } else {
            documents = [try DocumentInput(from: decoder)]
        }
    }
}

/// What an upload did (`StoreIngestor.Counts` with the API's keys).
struct UploadSummary: Codable, Sendable {
    var added, replaced, updated, unchanged, chunks: Int
}

/// One document as the document API lists it.
struct DocumentEntry: Encodable, Sendable {
    var id, title, source: String
    var metadata: [String: String]
    var acl: [String]
    var chunks: Int
}

/// `POST /v1/collections/{c}/search`.
struct CollectionSearchRequest: Decodable, Sendable {
    var query: String
    var mode: String?
    var k: Int?
    var filters: [String: String]?
}

/// `POST /v1/collections/{c}/ask`.
struct CollectionAskRequest: Decodable, Sendable {
    var question: String
    var filters: [String: String]?
    var maxTokens: Int?
    enum CodingKeys: String, CodingKey { case question, filters, maxTokens = "max_tokens" }
}
