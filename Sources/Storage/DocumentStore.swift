import RagTuneRetrieval

/// What RagTune needs of a document store: documents with their chunks and embeddings, written
/// one document per transaction, with a generation that grows with every committed change (so
/// derived indexes know when they are stale). `SQLiteStore` is the embedded implementation.
public protocol DocumentStore: Sendable {
    /// Where the store lives (a file path or a connection string), for messages.
    var path: String { get }
    /// What the store holds of a document (hashes and source), or nil when it is not stored.
    func storedDocument(_ documentId: String) throws -> StoredDocumentInfo?
    /// Rewrites a stored document's source, format, ACL and metadata when only those changed (its
    /// text, chunks and embeddings stay), in one transaction that advances the generation.
    func updateFields(_ document: SourceDocument) throws
    /// Stores a document with its chunks and embeddings in one transaction, replacing any
    /// earlier version. - Returns: true when the document is new.
    @discardableResult
    func replace(_ document: SourceDocument, chunks: [Chunk], embeddings: [[Float]]) throws -> Bool
    /// Removes documents with their chunks. - Returns: how many were stored.
    @discardableResult
    func remove(_ documentIds: [String]) throws -> Int
    /// Every stored document: (id, source path).
    func documents() throws -> [(id: String, source: String)]
    /// (documents, chunks) stored.
    func counts() throws -> (documents: Int, chunks: Int)
    /// Every chunk with its document's fields and the generation they belong to, read at once.
    func snapshot(withEmbeddings: Bool) throws -> StoreSnapshot
    /// The embeddings of the given chunks (ids not stored are left out).
    func embeddings(ofChunks ids: [Int64]) throws -> [Int64: [Float]]
    /// The current generation.
    func generation() throws -> UInt64
    /// A setting (e.g. the embedding model the store was built with), or nil.
    func setting(_ key: String) throws -> String?
    func setSetting(_ key: String, _ value: String) throws
}

/// How a store is opened.
public enum StoreOpenMode: Sendable {
    /// Read and write, creating the store (a file and its folder, or a database schema's tables)
    /// when missing: only ingestion creates stores.
    case create
    /// Read and write an existing store (e.g. removing documents); a missing store is an error.
    case readWrite
    /// Read an existing store without ever writing to it, so a store on a read-only volume or
    /// owned by another user can be searched; a missing store is an error.
    case readOnly
}

/// A consistent view of a store: its chunks in document then chunk order, at one generation.
public struct StoreSnapshot: Sendable {
    public var generation: UInt64
    public var chunks: [StoredChunk]
    /// The random identity the store was given when it was created (empty for a store made before
    /// stores had one). Index files record its hash, so that those of a deleted store are not taken
    /// for those of a new store at the same path, generation and chunk ids.
    public var storeID: String

    public init(generation: UInt64, chunks: [StoredChunk], storeID: String = "") {
        self.generation = generation
        self.chunks = chunks
        self.storeID = storeID
    }

    /// The hash of `storeID` that index files record (0 for a store without an identity).
    public var storeHash: UInt64 { storeID.isEmpty ? 0 : FNV1a(bytesOf: storeID).value }
}

/// What a store holds of one document, for deciding what an ingest must do with it.
public struct StoredDocumentInfo: Sendable, Equatable {
    /// `SourceDocument.contentHash` of the stored version (title and text).
    public var contentHash: UInt64
    /// `SourceDocument.fieldsHash` of the stored version (source, format, ACL, metadata); nil for
    /// documents stored before the store kept it.
    public var fieldsHash: UInt64?
    /// The file the stored version came from.
    public var source: String

    public init(contentHash: UInt64, fieldsHash: UInt64?, source: String) {
        self.contentHash = contentHash
        self.fieldsHash = fieldsHash
        self.source = source
    }
}
