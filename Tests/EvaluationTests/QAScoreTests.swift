import Testing
import RagTuneRAG
import RagTuneRetrieval
import RagTuneStorage
@testable import RagTuneEvaluation

@Suite struct QAScoreTests {
    private func attempt(_ answer: String, citing texts: [String], sources: [String]? = nil, strategy: QAStrategy = .rag) -> QAAttempt {
        func passage(_ n: Int, _ text: String) -> SourcePassage {
            SourcePassage(number: n, chunk: StoredChunk(id: Int64(n), chunk: Chunk(documentID: "d\(n)", ordinal: 0, text: text, heading: nil,
                                                                               startOffset: 0, endOffset: 0, tokenCount: 0, prefixLength: 0),
                                                    documentSource: "", documentTitle: "", metadata: [:], acl: [], embedding: []),
                          score: 1, similarity: nil)
        }
        return QAAttempt(strategy: strategy, answer: answer, refused: false,
                         citations: texts.enumerated().map { passage($0 + 1, $1) },
                         sources: (sources ?? texts).enumerated().map { passage($0 + 1, $1) },
                         promptTokens: 10, completionTokens: 5, seconds: 1, timings: [:])
    }

    @Test func citationPrecisionAndRetrievalHitCountGoldInChunks() {
        let score = QAScore(attempt("It was Hardin County [1][2].", citing: ["Born in Hardin County, Kentucky.", "He was tall."]),
                            gold: "Hardin County")
        #expect(score.contains == 1 && score.citationPrecision == 0.5 && score.retrievalHit == 1)
        let yesNo = QAScore(attempt("Yes [1].", citing: ["yes indeed"]), gold: "Yes")
        #expect(yesNo.exactMatch == 1 && yesNo.citationPrecision == nil && yesNo.retrievalHit == nil)
        let closed = QAScore(attempt("Kentucky", citing: [], strategy: .closedBook), gold: "Hardin County")
        #expect(closed.retrievalHit == nil && closed.citationPrecision == nil && closed.f1 == 0)
    }
}
