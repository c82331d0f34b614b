import ArgumentParser
import Foundation
import RagTuneModels
import RagTuneRetrieval
import RagTuneStorage

extension SearchMode: ExpressibleByArgument {}

/// `ragtune search --store PATH --mode bm25|dense|hybrid "query"`
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a store's chunks by BM25, dense (MiniLM) or hybrid (fused BM25 + dense) ranking.")

    @Option(help: "The store built by `ragtune index`.")
    var store: String

    @Option(help: "bm25, dense or hybrid.")
    var mode: SearchMode = .hybrid

    @OptionGroup var filterOptions: FilterOptions

    @Option(help: "Search as this user: documents with an ACL are seen only by users it lists.")
    var user: String?

    @Option(name: .short, help: "Results to return.")
    var k: Int = 10

    @Argument(help: "The query.")
    var query: String

    @OptionGroup var indexOptions: VectorIndexOptions

    @OptionGroup var fusionOptions: FusionOptions

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard k >= 1 else { throw ValidationError("-k must be at least 1") }
    }

    func run() throws {
        let database = try SQLiteStore(path: store, mode: .readOnly)
        let started = Date()
        let searcher = try indexOptions.indexes(for: store, readOnly: true).searcher(for: database, mode: mode, vectorIndex: indexOptions.vectorIndex)
        let loaded = Date()
        let embedding = mode == .bm25 ? nil : try MiniLMEmbedder(threads: 2).embed([query])[0]
        let embedded = Date()
        let hits = try searcher.search(query, embedding: embedding, mode: mode, k: k, user: user, filters: filterOptions.pairs,
                                       fusion: fusionOptions.method, depth: max(k, fusionOptions.depth))
        let done = Date()
        if json {
            print(JSONText.object([
                "query": query, "mode": mode.rawValue,
                "vector_index": (searcher.vectorIndexKind?.rawValue).map { $0 as Any } ?? NSNull(),
                "fusion": mode == .hybrid ? fusionOptions.method.description as Any : NSNull(),
                "results": hits.enumerated().map { rank, hit in
                    ["rank": rank + 1, "score": Double(hit.score), "doc_id": hit.chunk.chunk.documentID,
                     "source": hit.chunk.documentSource, "title": hit.chunk.documentTitle, "chunk": hit.chunk.chunk.ordinal,
                     "start": hit.chunk.chunk.startOffset, "end": hit.chunk.chunk.endOffset, "text": hit.chunk.chunk.text] as [String: Any]
                },
                "timings": ["load_seconds": loaded.timeIntervalSince(started), "embed_seconds": embedded.timeIntervalSince(loaded),
                            "search_seconds": done.timeIntervalSince(embedded)]]))
            return
        }
        if hits.isEmpty { print("no results") }
        for (rank, hit) in hits.enumerated() {
            let snippet = hit.chunk.chunk.body.replacingOccurrences(of: "\n", with: " ").prefix(160)
            let name = hit.chunk.documentTitle.isEmpty ? hit.chunk.chunk.documentID : hit.chunk.documentTitle
            print(String(format: "%2d. %.4f  %@  (%@, id %@, chunk %d)", rank + 1, hit.score, name, hit.chunk.documentSource,
                         hit.chunk.chunk.documentID, hit.chunk.chunk.ordinal))
            print("    \(snippet)")
        }
    }
}
