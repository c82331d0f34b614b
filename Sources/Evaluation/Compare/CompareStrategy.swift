import RagTuneRAG

/// The arms of a comparison (issue #16). Each answers the same evaluation questions the same way.
public enum CompareStrategy: String, CaseIterable, Sendable, Codable {
    case closedBook = "closed-book"
    case fewShot = "few-shot"
    case rag
    /// LoRA on the document text (continued pre-training).
    case loraDocs = "lora-docs"
    /// LoRA on the training questions with paraphrases.
    case loraQA = "lora-qa"
    /// The QA adapter answering with retrieval.
    case loraRAG = "lora+rag"
    /// LoRA on question + retrieved chunks with distractors.
    case raft

    /// The QA strategy that answers for this arm.
    public var answering: QAStrategy {
        switch self {
        case .closedBook, .loraQA, .loraDocs: return .closedBook
        case .fewShot: return .fewShot
        case .rag, .loraRAG, .raft: return .rag
        }
    }

    /// The adapter the arm answers with (the name of the arm that trains it); nil for the base model.
    public var adapter: CompareStrategy? {
        switch self {
        case .loraQA, .loraRAG: return .loraQA
        case .raft: return .raft
        case .loraDocs: return .loraDocs
        default: return nil
        }
    }

    /// Whether the evaluation's restricted questions are asked again as an outsider: the RAG arms
    /// (retrieval must keep them out) and lora-docs (trained on every document, restricted ones too).
    /// Adapter arms are also asked the restricted training facts they were trained on.
    var asksRestrictedAsOutsider: Bool { answering == .rag || self == .loraDocs }

    /// Seconds per evaluation question on 2 cores of the development machine (AMD EPYC, SmolLM2
    /// Q4_1; mini-wiki and fictional-kb runs of `eval qa`), for `--plan`'s estimate.
    var secondsPerQuestion: Double {
        switch self {
        case .closedBook: return 0.3
        case .fewShot: return 0.5
        case .rag, .loraRAG, .raft: return 0.8
        case .loraDocs, .loraQA: return 0.3
        }
    }
}
