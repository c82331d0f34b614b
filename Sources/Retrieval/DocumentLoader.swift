import Foundation

/// Loads `SourceDocument`s from files and folders, picking a format by extension:
/// `.txt`, `.md`/`.markdown`, `.html`/`.htm`, `.jsonl` (BEIR corpus lines), `.pdf` (via `pdftotext`).
///
/// Robustness policy (one bad file never stops a folder):
/// - a file over `maxFileBytes` is reported (`RetrievalError.fileTooLarge`) without being read;
/// - NUL bytes in the first 8 KiB → skipped as binary (`binaryFile`);
/// - empty or whitespace-only → skipped with a note (`emptyFile`);
/// - invalid UTF-8 → decoded lossily with U+FFFD and a warning (`invalidUTF8`), so a stray byte in
///   a large text does not lose the whole document;
/// - a bad JSONL line → an error naming the line; the file's other lines still load.
public struct DocumentLoader: Sendable {
    /// Files larger than this many bytes are not read. Default 50 MB.
    public var maxFileBytes: Int64
    /// Skip files and folders whose name starts with "." while walking folders. Default true.
    public var skipHiddenFiles: Bool

    public init(maxFileBytes: Int64 = 50_000_000, skipHiddenFiles: Bool = true) {
        self.maxFileBytes = maxFileBytes
        self.skipHiddenFiles = skipHiddenFiles
    }

    /// The extensions (lowercased, without dot) a loader exists for.
    public static let supportedExtensions: Set<String> = ["txt", "md", "markdown", "html", "htm", "jsonl", "pdf"]

    /// Loads every supported file under `paths` (folders are walked recursively, in sorted order).
    ///
    /// - Parameters:
    ///   - paths: files or folders. A file given directly is always loaded (its id is its name);
    ///     files found in a folder have ids relative to that folder and are filtered by the globs.
    ///   - include: globs on the relative path (`*`, `**`, `?`; see `GlobPattern`); empty = all files.
    ///   - exclude: globs on the relative path; a match drops the file.
    ///   - idPrefix: put before every document id (`--id-prefix`), so that folders holding files of
    ///     the same relative name can share a store.
    /// - Returns: the documents, plus one `DocumentLoadIssue` per failed, skipped or warned file.
    ///   Files with unsupported extensions inside folders are ignored silently.
    public func load(paths: [URL], include: [String] = [], exclude: [String] = [], idPrefix: String = "") -> DocumentLoadResult {
        var result = loadAll(paths: paths, include: include, exclude: exclude)
        if !idPrefix.isEmpty {
            for i in result.documents.indices { result.documents[i].id = idPrefix + result.documents[i].id }
        }
        return result
    }

    private func loadAll(paths: [URL], include: [String], exclude: [String]) -> DocumentLoadResult {
        let includes = include.map(GlobPattern.init), excludes = exclude.map(GlobPattern.init)
        var result = DocumentLoadResult()
        for root in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
                result.issues.append(.init(path: root.path, severity: .error,
                                           error: .badFile(path: root.path, line: nil, reason: "no such file or folder")))
                continue
            }
            if !isDirectory.boolValue {
                result.append(loadFile(root, id: root.lastPathComponent))
                continue
            }
            for relative in walk(root) {
                let ext = (relative as NSString).pathExtension.lowercased()
                guard Self.supportedExtensions.contains(ext),
                      includes.isEmpty || includes.contains(where: { $0.matches(relative) }),
                      !excludes.contains(where: { $0.matches(relative) }) else { continue }
                result.append(loadFile(root.appendingPathComponent(relative), id: relative))
            }
        }
        return result
    }

    /// Loads one file; never throws — problems become issues of the outcome.
    /// - Parameter id: the document id (for JSONL, line `_id`s are used instead).
    public func loadFile(_ url: URL, id: String) -> DocumentLoadResult {
        let path = url.path
        var result = DocumentLoadResult()
        func fail(_ error: RetrievalError, _ severity: DocumentLoadIssue.Severity = .error) -> DocumentLoadResult {
            result.issues.append(.init(path: path, severity: severity, error: error))
            return result
        }
        let ext = url.pathExtension.lowercased()
        guard Self.supportedExtensions.contains(ext) else {
            return fail(.unsupportedFileType(path: path, fileExtension: ext))
        }
        let size: Int64
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        } catch {
            return fail(.badFile(path: path, line: nil, reason: "cannot read attributes (\(error.localizedDescription))"))
        }
        guard size <= maxFileBytes else { return fail(.fileTooLarge(path: path, bytes: size, limit: maxFileBytes)) }
        if ext == "pdf" {
            do {
                let text = try Self.pdfText(path: path)
                guard !text.allSatisfy(\.isWhitespace) else { return fail(.emptyFile(path: path), .note) }
                result.documents.append(Self.plainDocument(id: id, path: path, text: text, format: .pdf))
                return result
            } catch let error as RetrievalError {
                return fail(error)
            } catch {
                return fail(.badFile(path: path, line: nil, reason: "\(error)"))
            }
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            return fail(.badFile(path: path, line: nil, reason: "cannot read (\(error.localizedDescription))"))
        }
        if data.prefix(8192).contains(0) { return fail(.binaryFile(path: path)) }
        var text: String
        if let valid = String(validating: data, as: UTF8.self) {
            text = valid
        } else {
            text = String(decoding: data, as: UTF8.self)
            result.issues.append(.init(path: path, severity: .warning, error: .invalidUTF8(path: path)))
        }
        text = Self.normalizeNewlines(text)
        guard !text.allSatisfy(\.isWhitespace) else { return fail(.emptyFile(path: path), .note) }
        switch ext {
        case "md", "markdown":
            do { result.documents.append(try Self.markdownDocument(id: id, path: path, text: text)) } catch let error as RetrievalError {
                return fail(error)
            } catch {
                return fail(.badFile(path: path, line: nil, reason: "\(error)"))
            }
        case "html", "htm": result.documents.append(Self.htmlDocument(id: id, path: path, html: text))
        case "jsonl":
            let (documents, errors) = Self.jsonlDocuments(path: path, text: text)
            result.documents += documents
            result.issues += errors.map { .init(path: path, severity: .error, error: $0) }
        default: result.documents.append(Self.plainDocument(id: id, path: path, text: text, format: .text))
        }
        return result
    }

    /// Relative paths of the regular files under `root`, sorted.
    func walk(_ root: URL) -> [String] {
        let options: FileManager.DirectoryEnumerationOptions = skipHiddenFiles ? [.skipsHiddenFiles] : []
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: options) else { return [] }
        let base = root.standardizedFileURL.resolvingSymlinksInPath().path
        var files: [String] = []
        for case let url as URL in enumerator {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let full = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard full.hasPrefix(base + "/") else { continue }
            files.append(String(full.dropFirst(base.count + 1)))
        }
        return files.sorted()
    }

    static func normalizeNewlines(_ text: String) -> String {
        guard text.contains("\r") else { return text }
        return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }
}

/// What `DocumentLoader.load` produced: documents and per-file issues.
public struct DocumentLoadResult: Sendable {
    public var documents: [SourceDocument] = []
    public var issues: [DocumentLoadIssue] = []

    public init() {}

    /// Issues of severity `.error` (files or lines that produced no document).
    public var failures: [DocumentLoadIssue] { issues.filter { $0.severity == .error } }

    mutating func append(_ other: DocumentLoadResult) {
        documents += other.documents
        issues += other.issues
    }
}

/// One problem with one file (or one JSONL line of it).
public struct DocumentLoadIssue: Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        /// The file (or line) produced no document.
        case error
        /// The document was loaded, but altered (e.g. U+FFFD replacements).
        case warning
        /// The file was skipped on purpose (e.g. empty).
        case note
    }
    public var path: String
    public var severity: Severity
    public var error: RetrievalError

    public var description: String { "\(severity.rawValue): \(error)" }
}
