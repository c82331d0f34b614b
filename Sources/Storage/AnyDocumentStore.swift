import RagTuneRetrieval

/// Any document store behind one concrete type, so that code generic over stores
/// (`StoreIngestor<Store>`, `StoreIndexes.searcher(for:)`) and code holding a store chosen at run
/// time (`--store` naming a file or a `postgres://` URL) meet.
public struct AnyDocumentStore: DocumentStore {
    /// The store itself.
    public let base: any DocumentStore

    public init(_ base: any DocumentStore) { self.base = base }

    public var path: String { base.path }
    public func storedDocument(_ documentId: String) throws -> StoredDocumentInfo? { try base.storedDocument(documentId) }
    public func updateFields(_ document: SourceDocument) throws { try base.updateFields(document) }
    @discardableResult
    public func replace(_ document: SourceDocument, chunks: [Chunk], embeddings: [[Float]]) throws -> Bool {
        try base.replace(document, chunks: chunks, embeddings: embeddings)
    }
    @discardableResult
    public func remove(_ documentIds: [String]) throws -> Int { try base.remove(documentIds) }
    public func documents() throws -> [(id: String, source: String)] { try base.documents() }
    public func counts() throws -> (documents: Int, chunks: Int) { try base.counts() }
    public func snapshot(withEmbeddings: Bool) throws -> StoreSnapshot { try base.snapshot(withEmbeddings: withEmbeddings) }
    public func embeddings(ofChunks ids: [Int64]) throws -> [Int64: [Float]] { try base.embeddings(ofChunks: ids) }
    public func generation() throws -> UInt64 { try base.generation() }
    public func setting(_ key: String) throws -> String? { try base.setting(key) }
    public func setSetting(_ key: String, _ value: String) throws { try base.setSetting(key, value) }

}
