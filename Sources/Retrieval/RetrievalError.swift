/// Errors of the retrieval engine, naming the file, line or field that was wrong.
public enum RetrievalError: Error, CustomStringConvertible {
    case invalidInput(String)
    case badFile(path: String, line: Int?, reason: String)
    /// Serialized index bytes that cannot be read back; `offset` is where reading stopped.
    case corruptIndex(offset: Int, reason: String)
    /// A file larger than the loader's limit; it was not read.
    case fileTooLarge(path: String, bytes: Int64, limit: Int64)
    /// A file with NUL bytes in its first 8 KiB, treated as binary and skipped.
    case binaryFile(path: String)
    /// A file with no content (or only whitespace), skipped.
    case emptyFile(path: String)
    /// A file that is not valid UTF-8; it was decoded with U+FFFD replacement characters.
    case invalidUTF8(path: String)
    /// A file whose extension no loader handles.
    case unsupportedFileType(path: String, fileExtension: String)
    /// An external converter (e.g. `pdftotext`) is not installed; `package` is the Debian package.
    case missingTool(path: String, tool: String, package: String)

    public var description: String {
        switch self {
        case .invalidInput(let reason): return "invalid input: \(reason)"
        case .badFile(let path, let line, let reason):
            return line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
        case .corruptIndex(let offset, let reason): return "corrupt index at byte \(offset): \(reason)"
        case .fileTooLarge(let path, let bytes, let limit):
            return String(format: "%@: file is %lld bytes (%.1f MB), over the %lld-byte (%.1f MB) limit; skipped (raise "
                          + "the limit, e.g. `ragtune index --max-file-mb`)", path, bytes, Double(bytes) / 1e6, limit,
                          Double(limit) / 1e6)
        case .binaryFile(let path): return "\(path): binary file (NUL bytes in the first 8 KiB), skipped"
        case .emptyFile(let path): return "\(path): empty file, skipped"
        case .invalidUTF8(let path): return "\(path): not valid UTF-8, decoded with U+FFFD replacements"
        case .unsupportedFileType(let path, let ext):
            return "\(path): unsupported file type \"\(ext)\" (expected txt, md, markdown, html, htm, jsonl, pdf)"
        case .missingTool(let path, let tool, let package):
            return "\(path): \(tool) not found; install \(package) (apt-get install -y \(package))"
        }
    }
}
