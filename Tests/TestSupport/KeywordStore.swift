import Foundation
import RagTuneRetrieval
import RagTuneStorage

/// A real SQLite store whose embeddings are keyword axes instead of a model's: one axis per
/// keyword (1 when the text contains it), plus a last axis for texts with none. Retrieval,
/// evaluation and answering logic are tested over it without MiniLM.
public struct KeywordStore {
    public let path: String
    public let store: SQLiteStore
    public let keywords: [String]

    /// A store in a new temporary folder holding `documents` (id, text, ACL), one chunk each.
    public init(keywords: [String], documents: [(id: String, text: String, acl: [String])]) throws {
        self.keywords = keywords
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("ragtune-keyword-store-\(UUID().uuidString)/store.sqlite").path
        store = try SQLiteStore(path: path)
        for document in documents {
            let source = SourceDocument(id: document.id, sourcePath: "/docs/\(document.id).md", title: document.id.capitalized,
                                        text: document.text, acl: document.acl)
            let chunk = Chunk(documentID: document.id, ordinal: 0, text: document.text, heading: nil, startOffset: 0,
                              endOffset: document.text.unicodeScalars.count, tokenCount: 8, prefixLength: 0)
            _ = try store.replace(source, chunks: [chunk], embeddings: [embedding(document.text)])
        }
    }

    /// The keyword vector of `text` (L2-normalized).
    public func embedding(_ text: String) -> [Float] {
        let lowered = text.lowercased()
        var vector = keywords.map { lowered.contains($0) ? Float(1) : 0 } + [0]
        if !vector.contains(1) { vector[keywords.count] = 1 }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return vector.map { $0 / norm }
    }

    /// Embeds texts as `embedding` does (the `embed` closure of pipelines and evaluators).
    public var embed: ([String]) throws -> [[Float]] {
        { [self] texts in texts.map(embedding) }
    }
}
