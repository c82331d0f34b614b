import Foundation
import RagTuneRetrieval
import RagTuneStorage

/// Where each tenant's collections live in the data folder: one SQLite store per collection,
/// `DATA/tenants/<tenant>/collections/<name>.sqlite` (its saved indexes beside it). A tenant's
/// requests only ever build paths under its own folder, so one tenant cannot name another's.
struct CollectionFolders: Sendable {
    /// The data folder (`--store`).
    let root: String

    /// The folder of `tenant`'s collections.
    func folder(tenant: String) -> URL {
        URL(fileURLWithPath: root).appendingPathComponent("tenants").appendingPathComponent(tenant)
            .appendingPathComponent("collections")
    }

    /// The store file of collection `name`.
    /// - Throws: `APIError.invalid` for a name outside `[A-Za-z0-9._-]` (so a name is never a path).
    func path(tenant: String, collection name: String) throws -> String {
        guard APIKeyStore.isValidName(name), name != ".", name != ".." else {
            throw APIError.invalid("collection name '\(name)' may hold only 1-64 of A-Z a-z 0-9 . _ -", param: "collection")
        }
        return folder(tenant: tenant).appendingPathComponent(name + ".sqlite").path
    }

    /// The existing store file of collection `name`.
    /// - Throws: `APIError.notFound` when the tenant has no such collection.
    func existing(tenant: String, collection name: String) throws -> String {
        let path = try path(tenant: tenant, collection: name)
        guard FileManager.default.fileExists(atPath: path) else {
            throw APIError.notFound("No collection '\(name)' (it is made by the first document uploaded to it)")
        }
        return path
    }

    /// `tenant`'s collection names, sorted.
    func names(tenant: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder(tenant: tenant).path)) ?? []
        return files.filter { $0.hasSuffix(".sqlite") }.map { String($0.dropLast(".sqlite".count)) }.sorted()
    }
}

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
