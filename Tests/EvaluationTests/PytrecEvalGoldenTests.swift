import Foundation
import Testing
@testable import RagTuneEvaluation

/// Our metrics against pytrec_eval 0.5.11 (trec_eval) and BEIR 2.2.0 on the synthetic SciFact run
/// in `Fixtures/` (see its README; made by `Benchmarks/metrics_reference.py make-fixture`).
@Suite struct PytrecEvalGoldenTests {
    struct Expected: Decodable {
        let kValues: [Int]
        let perQuery: [String: [String: Double]]
        let beir: [String: Double]
        enum CodingKeys: String, CodingKey {
            case kValues = "k_values", perQuery = "per_query", beir
        }
    }

    let expected: Expected
    let qrels: Qrels
    let run: Run

    init() throws {
        let data = try Data(contentsOf: TestFiles.fixtures.appendingPathComponent("expected.json"))
        expected = try JSONDecoder().decode(Expected.self, from: data)
        qrels = try Qrels(contentsOf: TestFiles.fixtures.appendingPathComponent("qrels.tsv"))
        run = try Run(contentsOfTREC: TestFiles.fixtures.appendingPathComponent("run.trec"))
    }

    /// Our metric name → pytrec_eval's (or the script's, for BEIR's MRR) per-query key.
    func referenceName(_ name: String) -> String {
        let parts = name.split(separator: "@")
        guard parts.count == 2 else { return "recip_rank" }
        let trec = ["NDCG": "ndcg_cut_", "MAP": "map_cut_", "Recall": "recall_", "P": "P_"]
        return trec[String(parts[0])].map { $0 + parts[1] } ?? name
    }

    @Test func everyQueryMatchesPytrecEvalAndBEIR() throws {
        let report = try RetrievalMetrics.evaluate(run: run, qrels: qrels, cutoffs: expected.kValues)
        #expect(Set(report.queries.map(\.queryId)) == Set(expected.perQuery.keys))
        #expect(report.queries.count == 29)
        #expect(report.unjudgedQueryIds == ["999999"] && report.unretrievedQueryIds == ["582"])
        var compared = 0
        for query in report.queries {
            let reference = try #require(expected.perQuery[query.queryId])
            for name in report.metricNames {
                let want = try #require(reference[referenceName(name)], "\(referenceName(name)) missing")
                let got = try #require(query.values[name])
                #expect(abs(got - want) <= 1e-6, "query \(query.queryId) \(name): \(got) vs \(want)")
                compared += 1
            }
        }
        #expect(compared == 29 * 31)
    }

    @Test func averagesMatchBEIRRoundedToFiveDigits() throws {
        let report = try RetrievalMetrics.evaluate(run: run, qrels: qrels, cutoffs: expected.kValues)
        // BEIR's `mrr` divides by the number of qrels queries, i.e. counts missing queries as 0.
        let complete = try RetrievalMetrics.evaluate(run: run, qrels: qrels, cutoffs: expected.kValues,
                                                     options: .init(countMissingQueriesAsZero: true))
        for (name, want) in expected.beir {
            let got = try #require(name.hasPrefix("MRR@") ? complete.averages[name] : report.averages[name])
            #expect(abs(got - want) <= 5e-6 + 1e-12, "\(name): \(got) vs BEIR \(want)")
        }
        #expect(expected.beir.count == 5 * expected.kValues.count)
    }

    @Test func fixtureExercisesTiesAndIdenticalIds() throws {
        // The file order of tied documents differs from trec_eval's order for some queries, so
        // BEIR's MRR (stable sort) and trec_eval's recip_rank disagree there.
        let disagreeing = expected.perQuery.filter { abs(($0.value["recip_rank"] ?? 0) - ($0.value["MRR@1000"] ?? 0)) > 1e-9 }
        #expect(!disagreeing.isEmpty)
        #expect(run.queryIds.filter { queryId in run[queryId]?.contains { $0.id == queryId } == true }.count == 3)
    }
}
