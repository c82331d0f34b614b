import Foundation
import Testing
import RagTuneEvaluation
import RagTuneRAG
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTestSupport
@testable import ragtune

/// Commands map their flags to one library job, and their `--json` output keeps its keys (the
/// contract scripts rely on). The library results' own keys are pinned in their modules' tests.
@Suite struct CommandJSONTests {
    @Test func evalQAFlagsBecomeTheJob() throws {
        let job = try EvalQACommand.parse(["--qa", "qa.jsonl", "--store", "s.sqlite", "--strategy", "closed-book", "--strategy", "rag",
                                           "--answer-field", "answer_v2", "--limit", "5", "--user", "ana", "--shots", "2",
                                           "--seed", "7", "--max-tokens", "20", "--mode", "dense", "--max-sources", "4",
                                           "--answer-style", "span", "--yes-no", "generate", "--threads", "1", "--reader-refuses"]).job
        #expect(job.qaPath == "qa.jsonl" && job.storePath == "s.sqlite" && job.strategies == [.closedBook, .rag])
        #expect(job.answerField == "answer_v2" && job.limit == 5 && job.user == "ana" && job.shots == 2 && job.seed == 7)
        #expect(job.rag.maxAnswerTokens == 20 && job.rag.mode == .dense && job.rag.maxSources == 4 && job.rag.answerStyle == .span)
        #expect(!job.rag.scoresYesNo && job.threads == 1 && job.rag.readerRefuses)
    }

    @Test func evalRetrievalFlagsBecomeTheJob() throws {
        let job = try EvalRetrievalCommand.parse(["--corpus", "c", "--queries", "q", "--qrels", "r", "--mode", "hybrid", "--top", "50",
                                                  "--fusion", "rrf", "--rrf-k", "30", "--fusion-depth", "40", "--bm25-k1", "0.9",
                                                  "--bm25-b", "0.4", "--hnsw-m", "8"]).job
        #expect(job.corpusPath == "c" && job.queriesPath == "q" && job.qrelsPath == "r" && job.mode == .hybrid && job.top == 50)
        #expect(job.fusion == .reciprocalRank(k: 30) && job.fusionDepth == 40 && job.bm25 == BM25Scoring(k1: 0.9, b: 0.4))
        #expect(job.hnsw.m == 8 && job.storePath == nil)
    }

    @Test func indexAndSearchFlagsBecomeTheirRequests() throws {
        let job = try IndexCommand.parse(["--store", "s", "a", "b", "--include", "**/*.md", "--prune", "--force", "--id-prefix", "x/",
                                          "--chunk-tokens", "100", "--overlap", "10", "--max-file-mb", "2", "--vector-index", "hnsw"]).job
        #expect(job.inputs == ["a", "b"] && job.include == ["**/*.md"] && job.prune && job.force && job.idPrefix == "x/")
        #expect(job.chunkTokens == 100 && job.overlap == 10 && job.maxFileBytes == 2_000_000 && job.vectorIndex == .hnsw)
        let request = try SearchCommand.parse(["--store", "s", "-k", "3", "--mode", "bm25", "--user", "u", "--filter", "lang=en", "q"]).request
        #expect(request.query == "q" && request.k == 3 && request.mode == .bm25 && request.user == "u")
        #expect(request.filters.map { "\($0.key)=\($0.value)" } == ["lang=en"])
    }

    @Test func demoKeysArePinned() throws {
        let attempt = QAAttempt(strategy: .rag, answer: "a", refused: false, citations: [], sources: [], promptTokens: 1,
                                completionTokens: 1, seconds: 1, timings: [:])
        let scores = [QAScore(attempt, gold: "a"), QAScore(attempt, gold: "b")]
        let summary = try QAStrategySummary(scores, seed: 1)
        let verdict = Verdict(choice: "rag", significant: true, excluded: [], claims: ["Use rag."])
        let demo = DemoSummary(compare: .init(verdict: verdict, report: "r.html", answerContains: ["rag": summary.answerContains]),
                               store: "s", indexed: 2, answers: [.init(question: "q", answer: "a", refusal: nil, citations: ["d"])],
                               questions: 2, closedBook: summary, rag: summary,
                               ragMinusClosedBook: try QADifference(scores, minus: scores, seed: 1), seconds: 1)
        let keys = try JSONKeys.paths(of: demo)
        #expect(keys.filter { !$0.contains(".") } == ["answers", "closed-book", "compare", "indexed", "questions", "rag", "rag - closed-book",
                                                       "seconds", "store"])
        #expect(keys.filter { $0.hasPrefix("compare.") && !$0.hasPrefix("compare.answer_contains.rag.") }
                == ["compare.answer_contains", "compare.answer_contains.rag", "compare.report", "compare.verdict", "compare.verdict.choice",
                    "compare.verdict.claims", "compare.verdict.excluded", "compare.verdict.significant"])
        #expect(keys.filter { $0.hasPrefix("answers[]") } == ["answers[].answer", "answers[].citations", "answers[].question",
                                                               "answers[].refusal"])
        #expect(keys.contains("rag.retrieval_hit_rate") && keys.contains("rag - closed-book.f1.lower"))
    }

    @Test func smallSummariesKeepTheirKeys() throws {
        #expect(try JSONKeys.paths(of: RemoveSummary(removed: 1, requested: 2)) == ["removed", "requested"])
        #expect(try JSONKeys.paths(of: ["summary": EmbedSummary(lines: 1, dimension: 384, seconds: 1, textsPerSecond: 1)])
                == ["summary", "summary.dimension", "summary.lines", "summary.seconds", "summary.texts_per_second"])
        #expect(try JSONKeys.paths(of: ["summary": TokenizeSummary(lines: 1, tokens: 2, model: "minilm")])
                == ["summary", "summary.lines", "summary.model", "summary.tokens"])
        #expect(try JSONKeys.paths(of: ["summary": LogitsSummary(lines: 1, positions: 2)])
                == ["summary", "summary.lines", "summary.positions"])
        #expect(try JSONKeys.paths(of: ["summary": ChatFileSummary(chats: 1, promptTokens: 2, generatedTokens: 3, seconds: 4)])
                == ["summary", "summary.chats", "summary.generated_tokens", "summary.prompt_tokens", "summary.seconds"])
    }

    @Test func modelsKeysArePinned() throws {
        let install = ModelsCommand.InstallResult(model: "m", status: "installed", path: "p",
                                                  mismatches: [.init(file: "f", expected: "e", actual: "a")])
        #expect(try JSONKeys.paths(of: ["models": [install]]) == ["models", "models[].mismatches", "models[].mismatches[].actual",
                                                                  "models[].mismatches[].expected", "models[].mismatches[].file",
                                                                  "models[].model", "models[].path", "models[].status"])
        let listing = ModelsCommand.Listing(modelsDir: "d", models: [.init(model: "m", installed: true, bytes: 1, wheel: "w", path: "p",
                                                                           summary: "s")])
        #expect(try JSONKeys.paths(of: listing) == ["models", "models[].bytes", "models[].installed", "models[].model",
                                                    "models[].path", "models[].summary", "models[].wheel", "models_dir"])
    }
}
