import ArgumentParser
import RagTuneRetrieval
import RagTuneStorage

extension VectorIndexChoice: ExpressibleByArgument {}

/// Which vector index a store uses and its HNSW settings (`index`, `search`, `remove`, `eval retrieval`).
struct VectorIndexOptions: ParsableArguments {
    @Option(name: .customLong("vector-index"),
            help: "auto (exact below \(StoreIndexes.hnswThreshold) chunks, HNSW above), exact or hnsw.")
    var vectorIndex: VectorIndexChoice = .auto

    @Option(name: .customLong("hnsw-m"), help: "HNSW links per node (hnswlib's M) for a new graph.")
    var m: Int = 16

    @Option(name: .customLong("ef-construction"), help: "HNSW candidate list while building a new graph.")
    var efConstruction: Int = 200

    @Option(name: .customLong("ef-search"), help: "HNSW candidate list while searching (raised to k when smaller).")
    var efSearch: Int = 64

    func validate() throws {
        guard m >= 2 else { throw ValidationError("--hnsw-m must be at least 2") }
        guard efConstruction >= 1 else { throw ValidationError("--ef-construction must be at least 1") }
        guard efSearch >= 1 else { throw ValidationError("--ef-search must be at least 1") }
    }

    /// The HNSW settings these flags give.
    var hnswParameters: StoreIndexes.HNSWParameters {
        .init(m: m, efConstruction: efConstruction, efSearch: efSearch)
    }

    /// The indexes saved beside the store at `storePath`, for a command that writes the store
    /// (`remove`), logging rebuilds to stderr.
    func indexes(for storePath: String) -> StoreIndexes {
        StoreIndexes(storePath: storePath, hnswParameters: hnswParameters, log: { logError($0) })
    }
}

/// How hybrid search fuses BM25 and dense rankings (`search`, `eval retrieval`).
struct FusionOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable { case rrf, weighted }

    @Option(help: "weighted (min-max normalized scores, convex combination; the default, +0.014 nDCG@10 over rrf on SciFact) or rrf (reciprocal-rank fusion).")
    var fusion: Kind = .weighted

    @Option(name: .customLong("rrf-k"), help: "Reciprocal-rank fusion constant.")
    var rrfK: Float = 60

    @Option(name: .customLong("dense-weight"), help: "Weight of the dense scores in weighted fusion (BM25 gets the rest).")
    var denseWeight: Float = 0.5

    @Option(name: .customLong("fusion-depth"), help: "Hits each retriever contributes before fusion.")
    var depth: Int = 100

    func validate() throws {
        guard rrfK > 0 else { throw ValidationError("--rrf-k must be positive") }
        guard (0...1).contains(denseWeight) else { throw ValidationError("--dense-weight must be in 0...1") }
        guard depth >= 1 else { throw ValidationError("--fusion-depth must be at least 1") }
    }

    var method: FusionMethod {
        fusion == .rrf ? .reciprocalRank(k: rrfK) : .weighted(denseWeight: denseWeight)
    }
}

/// `--filter key=value` (repeatable): only documents whose metadata (or `source`, `title`) match
/// every pair (`search`, `ask`).
struct FilterOptions: ParsableArguments {
    @Option(name: .customLong("filter"), help: "Only documents with metadata key=value (repeatable; also source=, title=).")
    var filters: [String] = []

    func validate() throws {
        if let bad = filters.first(where: { !$0.contains("=") || $0.hasPrefix("=") }) {
            throw ValidationError("--filter \(bad): expected key=value")
        }
    }

    /// The pairs, split at the first `=`.
    var pairs: [(key: String, value: String)] {
        filters.compactMap { f in f.firstIndex(of: "=").map { (String(f[..<$0]), String(f[f.index(after: $0)...])) } }
    }
}
