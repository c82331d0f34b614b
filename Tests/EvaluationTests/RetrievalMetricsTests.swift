import Foundation
import Testing
@testable import RagTuneEvaluation

/// Hand-computed cases; log2(rank + 1) discounts written out.
@Suite struct RetrievalMetricsTests {
    func docs(_ pairs: [(String, Double)]) -> [RetrievedDocument] { pairs.map { RetrievedDocument(id: $0.0, score: $0.1) } }

    func expectClose(_ values: [String: Double], _ expected: [String: Double], sourceLocation: SourceLocation = #_sourceLocation) {
        for (name, value) in expected {
            let actual = values[name] ?? .nan
            #expect(abs(actual - value) < 1e-12, "\(name): \(actual) != \(value)", sourceLocation: sourceLocation)
        }
    }

    @Test func binaryRelevanceWithTiesAndCutoffsBeyondTheList() {
        // trec_eval order: d2 (0.9), then the 0.8 tie by descending id: d4, d1, then d3.
        // BEIR's MRR keeps the given order in the tie: d2, d1, d4, d3.
        let ranking = docs([("d2", 0.9), ("d1", 0.8), ("d4", 0.8), ("d3", 0.5)])
        #expect(RetrievalMetrics.trecOrder(ranking).map(\.id) == ["d2", "d4", "d1", "d3"])
        #expect(RetrievalMetrics.beirOrder(ranking).map(\.id) == ["d2", "d1", "d4", "d3"])
        let values = RetrievalMetrics.queryMetrics(ranking: ranking, judgments: ["d1": 1, "d3": 1, "d5": 1],
                                                   cutoffs: [1, 3, 10])
        let ideal3 = 1 + 1 / log2(3.0) + 1 / log2(4.0)
        expectClose(values, [
            "NDCG@1": 0, "NDCG@3": (1 / log2(4.0)) / ideal3, "NDCG@10": (1 / log2(4.0) + 1 / log2(5.0)) / ideal3,
            "Recall@1": 0, "Recall@3": 1.0 / 3, "Recall@10": 2.0 / 3,
            "P@1": 0, "P@3": 1.0 / 3, "P@10": 0.2,
            "MAP@3": (1.0 / 3) / 3, "MAP@10": (1.0 / 3 + 2.0 / 4) / 3,
            "RecipRank": 1.0 / 3, "MRR@1": 0, "MRR@3": 0.5, "MRR@10": 0.5,
        ])
    }

    @Test func gradedRelevanceUsesGainsForNDCGOnly() {
        let ranking = docs([("c", 4), ("b", 3), ("a", 2), ("x", 1)])   // x is unjudged
        let values = RetrievalMetrics.queryMetrics(ranking: ranking, judgments: ["a": 3, "b": 2, "c": 0, "e": 1],
                                                   cutoffs: [1, 2, 4])
        let dcg2 = 2 / log2(3.0), dcg4 = dcg2 + 3 / log2(4.0)
        expectClose(values, [
            "NDCG@1": 0, "NDCG@2": dcg2 / (3 + 2 / log2(3.0)), "NDCG@4": dcg4 / (3 + 2 / log2(3.0) + 1 / log2(4.0)),
            "Recall@2": 1.0 / 3, "Recall@4": 2.0 / 3, "P@4": 0.5,
            "MAP@4": (1.0 / 2 + 2.0 / 3) / 3, "MRR@1": 0, "MRR@2": 0.5, "RecipRank": 0.5,
        ])
    }

    @Test func queryWithoutRelevantDocumentsScoresZero() {
        let values = RetrievalMetrics.queryMetrics(ranking: docs([("a", 1), ("b", 0.5)]), judgments: ["a": 0, "c": -1],
                                                   cutoffs: [1, 10])
        #expect(values.count == RetrievalMetrics.metricNames(cutoffs: [1, 10]).count)
        #expect(values.values.allSatisfy { $0 == 0 })
    }

    @Test func identicalIdsAreRemovedByDefaultAsInBEIR() throws {
        let run = Run([("q1", docs([("q1", 9), ("a", 1)]))])
        let qrels = Qrels(["q1": ["a": 1]])
        let removed = try RetrievalMetrics.evaluate(run: run, qrels: qrels, cutoffs: [1, 2])
        #expect(removed.queries.first?.retrieved == 1)
        expectClose(removed.averages, ["NDCG@1": 1, "P@1": 1, "MRR@1": 1, "P@2": 0.5])
        let kept = try RetrievalMetrics.evaluate(run: run, qrels: qrels, cutoffs: [1, 2],
                                                 options: .init(ignoreIdenticalIds: false))
        expectClose(kept.averages, ["NDCG@1": 0, "P@1": 0, "MRR@1": 0, "NDCG@2": 1 / log2(3.0), "MRR@2": 0.5])
    }

    @Test func averagesOverQueriesInBothRunAndQrels() throws {
        let run = Run([
            ("q1", docs([("a", 2), ("b", 1)])),   // relevant first: everything 1 at k = 1
            ("q2", []),                           // in the run with nothing retrieved: zeros, counted
            ("q9", docs([("a", 1)])),             // no qrels: skipped
        ])
        let qrels = Qrels(["q1": ["a": 1], "q2": ["z": 1], "q3": ["a": 1], "q4": ["b": 0]])
        let report = try RetrievalMetrics.evaluate(run: run, qrels: qrels, cutoffs: [10, 1, 10])
        #expect(report.cutoffs == [1, 10])
        #expect(report.queries.map(\.queryId) == ["q1", "q2"])
        #expect(report.unjudgedQueryIds == ["q9"] && report.unretrievedQueryIds == ["q3", "q4"])
        #expect(report.metricNames.first == "NDCG@1" && report.metricNames.last == "RecipRank")
        expectClose(report.averages, ["NDCG@1": 0.5, "Recall@10": 0.5, "P@1": 0.5, "P@10": 0.05, "MRR@10": 0.5])
        #expect(report.values(of: "NDCG@10") == [1, 0])
        #expect(report.values(of: "P@1", queryIds: ["q2", "q1"]) == [0, 1])
        #expect(report.values(of: "P@1", queryIds: ["q3"]) == nil)

        let complete = try RetrievalMetrics.evaluate(run: run, qrels: qrels, cutoffs: [1],
                                                     options: .init(countMissingQueriesAsZero: true))
        #expect(complete.queries.map(\.queryId) == ["q1", "q2", "q3", "q4"])
        expectClose(complete.averages, ["NDCG@1": 0.25, "MRR@1": 0.25, "RecipRank": 0.25])
    }

    @Test func invalidArgumentsAreErrors() {
        let run = Run([("q1", docs([("a", 1)]))])
        let qrels = Qrels(["q1": ["a": 1]])
        #expect(TestFiles.errorText { _ = try RetrievalMetrics.evaluate(run: run, qrels: qrels, cutoffs: []) }
                == "invalid argument: no cutoff given")
        #expect(TestFiles.errorText { _ = try RetrievalMetrics.evaluate(run: run, qrels: qrels, cutoffs: [10, 0]) }
                == "invalid argument: cutoff 0 must be positive")
        #expect(TestFiles.errorText { _ = try RetrievalMetrics.evaluate(run: run, qrels: Qrels(["q2": ["a": 1]])) }
                == "invalid argument: nothing to evaluate: none of the run's 1 queries has judgments in the qrels (1 queries)")
    }
}
