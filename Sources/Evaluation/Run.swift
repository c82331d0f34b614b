/// One retrieved document and its score (higher is better).
public struct RetrievedDocument: Sendable, Hashable {
    /// The corpus document id.
    public var id: String
    /// The retriever's score; only its order matters (stored as `Double`, as trec_eval's `sim`).
    public var score: Double

    public init(id: String, score: Double) {
        self.id = id
        self.score = score
    }
}

/// A retrieval run: for each query, a ranked list of scored documents (BEIR's `results`,
/// trec_eval's results file).
///
/// The list order is kept as given. Metrics that follow trec_eval re-sort by score (ties by document
/// id, see `RetrievalMetrics`); BEIR's MRR sorts by score stably, so ties keep this order.
/// A document appears at most once per query.
public struct Run: Sendable {
    /// Query ids in the order their rankings were first set.
    public private(set) var queryIds: [String] = []
    private var rankings: [String: [RetrievedDocument]] = [:]

    public init() {}

    /// A run from (query id, ranking) pairs; see `setRanking(_:for:)`.
    public init(_ rankings: [(queryId: String, documents: [RetrievedDocument])]) {
        for (queryId, documents) in rankings { setRanking(documents, for: queryId) }
    }

    /// Number of queries.
    public var count: Int { queryIds.count }

    /// The ranking of a query, or `nil` when the run has none (an empty ranking is not `nil`).
    public subscript(queryId: String) -> [RetrievedDocument]? {
        rankings[queryId]
    }

    /// Sets (or replaces) a query's ranking. A document listed twice keeps its first entry only.
    public mutating func setRanking(_ documents: [RetrievedDocument], for queryId: String) {
        var seen = Set<String>()
        let unique = documents.filter { seen.insert($0.id).inserted }
        if rankings.updateValue(unique, forKey: queryId) == nil { queryIds.append(queryId) }
    }
}
