import RagTuneRetrieval

/// A chunk as the store keeps it, with what search needs of its document (source, title,
/// metadata and ACL for filters and citations) and its embedding.
public struct StoredChunk: Sendable, Equatable {
    /// Row id in the store (stable until the document is re-indexed).
    public var id: Int64
    public var chunk: Chunk
    public var documentSource: String
    public var documentTitle: String
    public var metadata: [String: String]
    /// Who may see it; empty means everyone.
    public var acl: [String]
    /// `[dimension]`, L2-normalized (empty when stored without one).
    public var embedding: [Float]

    public init(id: Int64, chunk: Chunk, documentSource: String, documentTitle: String, metadata: [String: String],
                acl: [String], embedding: [Float]) {
        self.id = id
        self.chunk = chunk
        self.documentSource = documentSource
        self.documentTitle = documentTitle
        self.metadata = metadata
        self.acl = acl
        self.embedding = embedding
    }

    /// The document the chunk belongs to.
    public var documentID: String { chunk.documentID }
    /// 0-based position of the chunk in its document.
    public var ordinal: Int { chunk.ordinal }
    /// The chunk's text as indexed (heading prefix included).
    public var text: String { chunk.text }
    /// The chunk's text without the heading prefix.
    public var body: String { chunk.body }
    /// Unicode-scalar offsets of the chunk in its document's text.
    public var startOffset: Int { chunk.startOffset }
    public var endOffset: Int { chunk.endOffset }

    /// Whether `user` may see this chunk (everyone may see chunks of documents without an ACL;
    /// with an ACL, only the users it lists; an anonymous caller sees only unrestricted chunks).
    public func isVisible(to user: String?) -> Bool {
        acl.isEmpty || user.map(acl.contains) == true
    }

    /// Whether a caller known by any of `names` (a user, or a server key's ACL groups) may see this
    /// chunk: unrestricted chunks always, restricted ones when their ACL lists one of the names.
    public func isVisible(toAnyOf names: Set<String>) -> Bool {
        acl.isEmpty || acl.contains(where: names.contains)
    }

    /// Whether every `key=value` pair is in the document's metadata (`source` and `title` also match).
    public func matches(_ filters: [(key: String, value: String)]) -> Bool {
        filters.allSatisfy { key, value in
            switch key {
            case "source": return documentSource == value
            case "title": return documentTitle == value
            default: return metadata[key] == value
            }
        }
    }
}
