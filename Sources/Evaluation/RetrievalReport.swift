/// The result of `RetrievalMetrics.evaluate`: per-query values (for per-query JSONL output and
/// bootstrap intervals) and their means.
public struct RetrievalReport: Sendable {
    /// The values of one scored query.
    public struct QueryResult: Sendable {
        public let queryId: String
        /// Documents scored after identical-id removal (0 for a query missing from the run).
        public let retrieved: Int
        /// Value by metric name (`NDCG@10`, …), each in [0, 1].
        public let values: [String: Double]
    }

    /// Cutoffs used, ascending.
    public let cutoffs: [Int]
    /// Metric names in display order (see `RetrievalMetrics.metricNames(cutoffs:)`).
    public let metricNames: [String]
    /// Scored queries: the run's queries that have qrels, in run order, then (with
    /// `countMissingQueriesAsZero`) the qrels' queries missing from the run.
    public let queries: [QueryResult]
    /// Mean of each metric over `queries`, keyed like `metricNames`.
    public let averages: [String: Double]
    /// Run queries without qrels: not scored (as pytrec_eval skips them).
    public let unjudgedQueryIds: [String]
    /// Qrels queries absent from the run: not scored unless `countMissingQueriesAsZero`.
    public let unretrievedQueryIds: [String]

    init(cutoffs: [Int], metricNames: [String], queries: [QueryResult],
         unjudgedQueryIds: [String], unretrievedQueryIds: [String]) {
        self.cutoffs = cutoffs
        self.metricNames = metricNames
        self.queries = queries
        self.unjudgedQueryIds = unjudgedQueryIds
        self.unretrievedQueryIds = unretrievedQueryIds
        var averages: [String: Double] = [:]
        for name in metricNames {
            let sum = queries.reduce(0.0) { $0 + ($1.values[name] ?? 0) }
            averages[name] = queries.isEmpty ? 0 : sum / Double(queries.count)
        }
        self.averages = averages
    }

    /// One metric's per-query values, in `queries` order (input for `Bootstrap`).
    public func values(of metric: String) -> [Double] {
        queries.map { $0.values[metric] ?? 0 }
    }

    /// One metric's values for the given queries, in that order, or `nil` when a query was not scored
    /// here; use it to pair two systems' values for `Bootstrap.pairedDifferenceInterval`.
    public func values(of metric: String, queryIds: [String]) -> [Double]? {
        let byId = Dictionary(queries.map { ($0.queryId, $0.values[metric] ?? 0) }, uniquingKeysWith: { a, _ in a })
        var result: [Double] = []
        for queryId in queryIds {
            guard let value = byId[queryId] else { return nil }
            result.append(value)
        }
        return result
    }
}
