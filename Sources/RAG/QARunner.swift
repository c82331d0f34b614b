import Foundation
import RagTuneTokenizers

/// How a question is answered in a QA evaluation.
public enum QAStrategy: String, Sendable, CaseIterable {
    /// The model alone.
    case closedBook = "closed-book"
    /// The model with a few solved examples from the same data set in the prompt.
    case fewShot = "few-shot"
    /// Retrieval-augmented (`RAGPipeline`).
    case rag
}

/// One question answered by one strategy.
public struct QAAttempt: Sendable {
    public var strategy: QAStrategy
    public var answer: String
    /// The RAG pipeline answered "not found" (always false for the other strategies).
    public var refused: Bool
    /// Why it refused, and what the generator had written (RAG only).
    public var refusal: RAGAnswer.Refusal? = nil
    public var generated: String? = nil
    /// The extractive reader's evidence sentences (RAG in the `extract` style only).
    public var evidence: [ExtractiveReader.Evidence] = []
    public var citations: [SourcePassage]
    /// The sources shown to the model (RAG only).
    public var sources: [SourcePassage]
    public var promptTokens: Int
    public var completionTokens: Int
    public var seconds: Double
    public var timings: [String: Double]

    public init(strategy: QAStrategy, answer: String, refused: Bool, citations: [SourcePassage], sources: [SourcePassage],
                promptTokens: Int, completionTokens: Int, seconds: Double, timings: [String: Double]) {
        self.strategy = strategy
        self.answer = answer
        self.refused = refused
        self.citations = citations
        self.sources = sources
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.seconds = seconds
        self.timings = timings
    }
}

/// Answers questions with any `QAStrategy` over one generator (and, for RAG, one pipeline).
public final class QARunner {
    public let generator: any AnswerGenerator
    public let pipeline: RAGPipeline?
    /// The answer format and demonstrations of the strategies without sources (RAG uses the pipeline's).
    public var prompt: PromptBuilder
    public var maxAnswerTokens: Int
    /// Solved examples for `.fewShot`.
    public var examples: [(question: String, answer: String)]
    /// Scores yes/no questions instead of generating (short answer style only; nil: generate).
    public var yesNo: YesNoAnswerer?

    /// - Parameters:
    ///   - prompt: the prompt of closed-book and few-shot answers (default: the pipeline's, so
    ///     every strategy gets the same answer format)
    ///   - yesNo: the yes/no answerer of closed-book and few-shot answers (default: the pipeline's)
    public init(generator: any AnswerGenerator, pipeline: RAGPipeline?, maxAnswerTokens: Int = 64,
                examples: [(question: String, answer: String)] = [], prompt: PromptBuilder? = nil,
                yesNo: YesNoAnswerer? = nil) {
        self.generator = generator
        self.prompt = prompt ?? pipeline?.options.prompt ?? PromptBuilder()
        self.yesNo = yesNo ?? pipeline?.options.yesNo
        self.pipeline = pipeline
        self.maxAnswerTokens = maxAnswerTokens
        self.examples = examples
    }

    /// - Throws: `RAGError.missingPipeline` for `.rag` without a pipeline, and generator errors.
    public func answer(_ question: String, strategy: QAStrategy, user: String? = nil) throws -> QAAttempt {
        let started = Date()
        switch strategy {
        case .rag:
            guard let pipeline else { throw RAGError.missingPipeline }
            pipeline.options.maxAnswerTokens = maxAnswerTokens
            let result = try pipeline.answer(question, user: user)
            var attempt = QAAttempt(strategy: .rag, answer: result.answer, refused: result.refusal != nil,
                                    citations: result.citations, sources: result.sources, promptTokens: result.promptTokens,
                                    completionTokens: result.completionTokens, seconds: Date().timeIntervalSince(started),
                                    timings: result.timings)
            attempt.refusal = result.refusal
            attempt.generated = result.generated
            attempt.evidence = result.evidence
            return attempt
        case .closedBook, .fewShot:
            let solved = examples.filter { $0.question != question }
            func messages(asking asked: String) -> [ChatMessage] {
                strategy == .closedBook ? prompt.closedBookMessages(question: asked)
                    : prompt.fewShotMessages(question: asked, examples: solved)
            }
            let scored = prompt.answerStyle.isShort ? try yesNo?.answer(question, generator: generator, messages: messages) : nil
            let generated = try scored
                ?? generator.generate(messages(asking: question), maxTokens: maxAnswerTokens, stop: prompt.stopStrings) { _ in }
            return QAAttempt(strategy: strategy, answer: generated.text.trimmingCharacters(in: .whitespacesAndNewlines),
                             refused: false, citations: [], sources: [], promptTokens: generated.promptTokens,
                             completionTokens: generated.completionTokens, seconds: Date().timeIntervalSince(started),
                             timings: ["prompt": generated.promptSeconds, "generate": generated.generateSeconds])
        }
    }
}
