import Foundation
import RagTuneStorage

/// What a store holds, checked document by document.
struct StoreCheck {
    var documents: Set<String> = []
    /// Documents whose chunks or embeddings are not what they must be, with the reason.
    var inconsistent: [String] = []

    /// Opens `path` read-only (as `search` does) and checks every document's chunks: ordinals
    /// 0..<n, texts as `expected` (when given), finite unit embeddings of `dimension`.
    init(path: String, expected: [String: [String]]?, dimension: Int) throws {
        let store = try SQLiteStore(path: path, mode: .readOnly)
        documents = Set(try store.documents().map(\.id))
        let chunks = Dictionary(grouping: try store.snapshot(withEmbeddings: true).chunks, by: \.chunk.documentID)
        for id in chunks.keys where !documents.contains(id) { inconsistent.append("\(id): chunks without a document") }
        for id in documents.sorted() {
            let mine = (chunks[id] ?? []).sorted { $0.chunk.ordinal < $1.chunk.ordinal }
            if mine.map(\.chunk.ordinal) != Array(mine.indices) { inconsistent.append("\(id): ordinals \(mine.map(\.chunk.ordinal))") }
            if let texts = expected?[id], texts != mine.map(\.chunk.text) {
                inconsistent.append("\(id): \(mine.count) chunks, the uninterrupted run stores \(texts.count)")
            }
            if mine.isEmpty && expected == nil { inconsistent.append("\(id): no chunks") }
            for chunk in mine {
                let e = chunk.embedding, norm = e.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if e.count != dimension || !e.allSatisfy(\.isFinite) || abs(norm - 1) > 1e-3 {
                    inconsistent.append("\(id): chunk \(chunk.chunk.ordinal) has a bad embedding (\(e.count) values, norm \(norm))")
                }
            }
        }
    }
}
