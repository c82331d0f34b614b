/// Errors of the RAG layer.
public enum RAGError: Error, CustomStringConvertible {
    case missingPipeline
    /// A scored answer option that the tokenizer turns into no tokens.
    case emptyOption(String)
    /// A store built with another embedding model than RagTune's.
    case embeddingModelMismatch(path: String, stored: String, expected: String)
    /// None of an index run's inputs could be read; the store was not opened.
    case nothingReadable(failed: Int)

    public var description: String {
        switch self {
        case .missingPipeline: return "the rag strategy needs a store (--store)"
        case .emptyOption(let text): return "answer option \"\(text)\" has no tokens"
        case .embeddingModelMismatch(let path, let stored, let expected):
            return "\(path) was built with \(stored); RagTune embeds with \(expected)"
        case .nothingReadable(let failed): return "no input could be read (\(failed) failed); the store was not touched"
        }
    }
}
