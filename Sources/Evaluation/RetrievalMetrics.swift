import Foundation

/// Retrieval metrics computed as BEIR's `EvaluateRetrieval.evaluate` computes them with pytrec_eval
/// (trec_eval 9.x measures `ndcg_cut`, `map_cut`, `recall`, `P`, `recip_rank`), plus BEIR's own `mrr`.
///
/// Per query, with relevance from the qrels (unjudged documents count as relevance 0):
/// - `NDCG@k`: Σ rel/log2(rank+1) over the top k with rel > 0, divided by the same sum for the
///   query's positive relevances sorted descending (cut at k); 0 when there is none.
/// - `MAP@k`: Σ precision at each relevant (rel ≥ 1) document in the top k, over all relevant documents.
/// - `Recall@k`: relevant documents in the top k over all relevant documents (0 when there are none).
/// - `P@k`: relevant documents in the top k over k (missing ranks count as non-relevant).
/// - `RecipRank`: trec_eval's `recip_rank`, 1/rank of the first relevant document, no cutoff.
/// - `MRR@k`: BEIR's `mrr`: 1/rank of the first document with rel > 0 in the top k.
///
/// Order: trec_eval ranks by score descending and breaks ties by document id in *descending* byte
/// order (`strcmp(b, a)` in `form_res_rels.c`); every measure but `MRR@k` uses that order. BEIR's
/// `mrr` uses Python's stable `sorted(..., reverse=True)` on score, so ties keep the run's order.
/// NaN scores rank last.
public enum RetrievalMetrics {
    /// Choices where BEIR, pytrec_eval and trec_eval could differ.
    public struct Options: Sendable {
        /// Drop a retrieved document whose id equals the query id before scoring (BEIR's
        /// `ignore_identical_ids`, default `true`: in datasets such as ArguAna or Quora the query is
        /// also a corpus document).
        public var ignoreIdenticalIds: Bool
        /// Include queries that have qrels but are absent from the run, with every value 0, as
        /// `trec_eval -c` does. Off by default: pytrec_eval (hence BEIR) only scores queries present in
        /// both the run and the qrels, and BEIR averages over exactly those. BEIR's `mrr` divides by the
        /// number of qrels queries instead, so BEIR's MRR average equals ours with this option on.
        public var countMissingQueriesAsZero: Bool

        public init(ignoreIdenticalIds: Bool = true, countMissingQueriesAsZero: Bool = false) {
            self.ignoreIdenticalIds = ignoreIdenticalIds
            self.countMissingQueriesAsZero = countMissingQueriesAsZero
        }
    }

    /// BEIR's default cutoffs.
    public static let defaultCutoffs = [1, 3, 5, 10, 100, 1000]

    /// Scores every query that is in the run and has qrels (queries of the run without qrels are
    /// skipped and listed in `unjudgedQueryIds`), then averages over those queries. A query whose
    /// judgments are all ≤ 0, or whose ranking is empty, is scored 0 and averaged, as in pytrec_eval.
    /// - Parameter cutoffs: positive ranks k; duplicates are dropped and the rest sorted.
    /// - Returns: per-query values and their means, keyed by BEIR's names (`NDCG@10`, `Recall@100`,
    ///   `MRR@10`, `P@10`, `MAP@10`, plus `RecipRank`). Means are not rounded (BEIR rounds to 5 digits).
    /// - Throws: `EvaluationError.invalidArgument` for an empty or non-positive cutoff list, or when
    ///   no query is left to score (the run and the qrels share no query).
    public static func evaluate(run: Run, qrels: Qrels, cutoffs: [Int] = defaultCutoffs,
                                options: Options = Options()) throws -> RetrievalReport {
        guard !cutoffs.isEmpty else { throw EvaluationError.invalidArgument("no cutoff given") }
        if let bad = cutoffs.first(where: { $0 <= 0 }) {
            throw EvaluationError.invalidArgument("cutoff \(bad) must be positive")
        }
        let ks = Array(Set(cutoffs)).sorted()
        var queries: [RetrievalReport.QueryResult] = []
        var unjudged: [String] = []
        for queryId in run.queryIds {
            guard let judgments = qrels[queryId], !judgments.isEmpty else { unjudged.append(queryId); continue }
            var ranking = run[queryId] ?? []
            if options.ignoreIdenticalIds { ranking.removeAll { $0.id == queryId } }
            queries.append(.init(queryId: queryId, retrieved: ranking.count,
                                 values: queryMetrics(ranking: ranking, judgments: judgments, cutoffs: ks)))
        }
        let unretrieved = qrels.queryIds.filter { run[$0] == nil && !(qrels[$0] ?? [:]).isEmpty }
        if options.countMissingQueriesAsZero {
            let zeros = Dictionary(uniqueKeysWithValues: metricNames(cutoffs: ks).map { ($0, 0.0) })
            queries += unretrieved.map { .init(queryId: $0, retrieved: 0, values: zeros) }
        }
        guard !queries.isEmpty else {
            throw EvaluationError.invalidArgument(
                "nothing to evaluate: none of the run's \(run.count) queries has judgments in the qrels (\(qrels.judgments.count) queries)")
        }
        return RetrievalReport(cutoffs: ks, metricNames: metricNames(cutoffs: ks), queries: queries,
                               unjudgedQueryIds: unjudged, unretrievedQueryIds: unretrieved)
    }

    /// Metric names in report order: per cutoff `NDCG`, `MAP`, `Recall`, `P`, `MRR`, then `RecipRank`.
    public static func metricNames(cutoffs: [Int]) -> [String] {
        ["NDCG", "MAP", "Recall", "P", "MRR"].flatMap { name in cutoffs.map { "\(name)@\($0)" } } + ["RecipRank"]
    }

    /// All measures of one query.
    /// - Parameters:
    ///   - ranking: the retrieved documents (any order; see the type's notes on ordering).
    ///   - judgments: relevance by document id for this query.
    ///   - cutoffs: positive, ascending.
    public static func queryMetrics(ranking: [RetrievedDocument], judgments: [String: Int],
                                    cutoffs: [Int]) -> [String: Double] {
        let relevance = trecOrder(ranking).map { judgments[$0.id] ?? 0 }   // by trec_eval rank
        let ideal = judgments.values.filter { $0 > 0 }.sorted(by: >)
        let relevantCount = ideal.count   // relevance ≥ 1 (trec_eval's relevance_level)
        let beirRelevance = beirOrder(ranking).map { judgments[$0.id] ?? 0 }
        var values: [String: Double] = [:]
        for k in cutoffs {
            var dcg = 0.0, found = 0, precisionSum = 0.0
            for (index, rel) in relevance.prefix(k).enumerated() where rel > 0 {
                dcg += Double(rel) / log2(Double(index + 2))
                found += 1
                precisionSum += Double(found) / Double(index + 1)
            }
            var idealDCG = 0.0
            for (index, rel) in ideal.prefix(k).enumerated() { idealDCG += Double(rel) / log2(Double(index + 2)) }
            values["NDCG@\(k)"] = idealDCG > 0 ? dcg / idealDCG : 0
            values["MAP@\(k)"] = relevantCount > 0 ? precisionSum / Double(relevantCount) : 0
            values["Recall@\(k)"] = relevantCount > 0 ? Double(found) / Double(relevantCount) : 0
            values["P@\(k)"] = Double(found) / Double(k)
            let first = beirRelevance.prefix(k).firstIndex { $0 > 0 }
            values["MRR@\(k)"] = first.map { 1 / Double($0 + 1) } ?? 0
        }
        values["RecipRank"] = relevance.firstIndex { $0 > 0 }.map { 1 / Double($0 + 1) } ?? 0
        return values
    }

    /// trec_eval's ranking: score descending, ties by document id in descending byte order.
    public static func trecOrder(_ ranking: [RetrievedDocument]) -> [RetrievedDocument] {
        ranking.sorted { a, b in
            let (sa, sb) = (sortKey(a.score), sortKey(b.score))
            if sa != sb { return sa > sb }
            return b.id.utf8.lexicographicallyPrecedes(a.id.utf8)
        }
    }

    /// BEIR's `mrr` ranking: score descending, ties in the given order (a stable sort).
    public static func beirOrder(_ ranking: [RetrievedDocument]) -> [RetrievedDocument] {
        ranking.enumerated().sorted { a, b in
            let (sa, sb) = (sortKey(a.element.score), sortKey(b.element.score))
            return sa != sb ? sa > sb : a.offset < b.offset
        }.map(\.element)
    }

    /// NaN sorts below every number, so the order stays total.
    private static func sortKey(_ score: Double) -> Double { score.isNaN ? -.infinity : score }
}
