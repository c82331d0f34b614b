import Foundation
import Testing
import RagTuneTestSupport
@testable import RagTuneBench

/// `bench embed-corpus` run for real on four documents (one thread, one round): what
/// `--vectors-out` writes matches the documents, and the report holds what was measured.
@Suite struct EmbedCorpusBenchmarkTests {
    @Test(.needsMiniLM) func smallCorpusIsEmbeddedAndReported() throws {
        let dir = try scratchFolder("embed-corpus")
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus.jsonl")
        try Data((0..<5).map { #"{"_id": "d\#($0)", "title": "Title \#($0)", "text": "Bees make honey \#($0) times."}"# }
            .joined(separator: "\n").utf8).write(to: corpus)
        var notes: [String] = []
        let options = EmbedCorpusBenchmark.Options(corpus: corpus.path, limit: 4, batchSize: 2, threads: [1], rounds: 1)
        let outcome = try EmbedCorpusBenchmark.run(options, log: BenchLog(progress: { _ in }, note: { notes.append($0) }))
        #expect(outcome.lengths.count == 4 && outcome.vectors.count == 4 && outcome.vectors.allSatisfy { $0.count == 384 })
        #expect(outcome.report.docs == 4 && outcome.report.tokens == outcome.lengths.reduce(0, +))
        #expect(outcome.report.results.map(\.threads) == [1] && outcome.report.results[0].docsPerSecondRounds.count == 1)
        #expect(notes.count == 1 && notes[0].hasPrefix("CPU: "))
        #expect(keys(try jsonObject(outcome.report)) == ["batch_size", "benchmark", "corpus", "docs", "gflop_total", "machine",
                                                         "max_length", "model", "results", "tokens"])
    }
}
