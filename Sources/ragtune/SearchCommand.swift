import ArgumentParser
import Foundation
import RagTuneRAG
import RagTuneRetrieval
import RagTuneStorage

extension SearchMode: ExpressibleByArgument {}

/// `ragtune search --store PATH --mode bm25|dense|hybrid "query"`
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a store's chunks by BM25, dense (MiniLM) or hybrid (fused BM25 + dense) ranking.")

    @Option(help: "The store built by `ragtune index` (an SQLite file or a postgres:// URL).")
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

    @OptionGroup var jsonOutput: JSONOutputOptions

    func validate() throws {
        guard k >= 1 else { throw ValidationError("-k must be at least 1") }
    }

    /// What the flags ask for.
    var request: SearchRequest {
        var request = SearchRequest(query: query)
        request.mode = mode
        request.k = k
        request.user = user
        request.filters = filterOptions.pairs
        request.fusion = fusionOptions.method
        request.fusionDepth = fusionOptions.depth
        request.vectorIndex = indexOptions.vectorIndex
        request.hnsw = indexOptions.hnswParameters
        return request
    }

    func run() throws {
        let results = try StoreSearch.run(request, store: AnyDocumentStore.open(store, mode: .readOnly), log: { logError($0) })
        if jsonOutput.json { return try printJSON(results) }
        if results.results.isEmpty { print("no results") }
        for hit in results.results {
            let snippet = hit.chunk.body.replacingOccurrences(of: "\n", with: " ").prefix(160)
            let name = hit.chunk.documentTitle.isEmpty ? hit.chunk.documentID : hit.chunk.documentTitle
            print(String(format: "%2d. %.4f  %@  (%@, id %@, chunk %d)", hit.rank, hit.score, name, hit.chunk.documentSource,
                         hit.chunk.documentID, hit.chunk.ordinal))
            print("    \(snippet)")
        }
    }
}
