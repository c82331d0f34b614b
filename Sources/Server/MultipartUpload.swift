import Foundation
import NIOCore
import RagTuneRetrieval

/// The file parts of a `multipart/form-data` upload, read into documents by the same loaders as
/// `ragtune index` (txt, md, html, pdf, jsonl by the file name's extension). Form fields
/// `acl` (comma-separated groups) and `metadata.KEY` apply to every file of the upload; a file's
/// document id is its file name (for one file, the field `id` may name it).
struct MultipartUpload {
    struct Part {
        var name: String
        var filename: String?
        var body: ByteBuffer
    }

    /// The boundary of a `multipart/form-data` content type, or nil for another type.
    static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary", !pair[1].isEmpty {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    /// The parts of `body`, split at each `--boundary` line (RFC 7578): each part's headers end at
    /// the first blank line, its body at the CRLF before the next delimiter. A linear scan over the
    /// bytes: malformed input ends the scan, it never loops. (multipart-kit's parser hung on a
    /// part without headers that schemathesis sent, leaving the server unresponsive.)
    /// - Throws: `APIError.invalid` for a body without the closing delimiter or a part without headers.
    static func parts(of body: ByteBuffer, boundary: String) throws -> [Part] {
        let bytes = Array(body.readableBytesView)
        let delimiter = Array("--\(boundary)".utf8), separator = Array("\r\n\r\n".utf8)
        guard var start = find(delimiter, in: bytes, from: 0) else {
            throw APIError.invalid("The multipart body holds no '--\(boundary)' delimiter")
        }
        var parts: [Part] = []
        while true {
            var cursor = start + delimiter.count
            if bytes[cursor...].starts(with: Array("--".utf8)) { return parts } // the closing delimiter
            guard bytes[cursor...].starts(with: Array("\r\n".utf8)) else {
                throw APIError.invalid("A multipart delimiter is not followed by a line break")
            }
            cursor += 2
            guard let headerEnd = find(separator, in: bytes, from: cursor) else {
                throw APIError.invalid("A multipart part has no blank line after its headers")
            }
            guard let next = find(Array("\r\n".utf8) + delimiter, in: bytes, from: headerEnd + separator.count) else {
                throw APIError.invalid("The multipart body does not end with '--\(boundary)--'")
            }
            var headers: [String: String] = [:]
            for line in String(decoding: bytes[cursor..<headerEnd], as: UTF8.self).components(separatedBy: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2 { headers[pair[0].lowercased()] = pair[1] }
            }
            let disposition = headers["content-disposition"] ?? ""
            parts.append(Part(name: parameter("name", in: disposition) ?? "", filename: parameter("filename", in: disposition),
                              body: ByteBuffer(bytes: bytes[(headerEnd + separator.count)..<next])))
            start = next + 2
        }
    }

    /// The first index at or after `from` where `needle` starts in `haystack`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// A `name="value"` parameter of a Content-Disposition header.
    private static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == key {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    /// The documents of an upload's file parts.
    /// - Throws: `APIError.invalid` naming the file that no loader could read (unsupported type,
    ///   binary, empty, unreadable PDF), or a form without files.
    static func documents(_ parts: [Part]) throws -> [SourceDocument] {
        let fields = Dictionary(parts.filter { $0.filename == nil }.map { ($0.name, String(buffer: $0.body)) }) { $1 }
        let files = parts.filter { $0.filename != nil }
        guard !files.isEmpty else { throw APIError.invalid("The form holds no file part (a part with a filename)", param: "file") }
        let acl = (fields["acl"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let metadata = Dictionary(fields.compactMap { key, value in
            key.hasPrefix("metadata.") ? (String(key.dropFirst("metadata.".count)), value) : nil
        }) { $1 }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var documents: [SourceDocument] = []
        for (index, file) in files.enumerated() {
            // Only the last path component, and no leading dots: a name is never a path.
            let name = URL(fileURLWithPath: file.filename ?? "").lastPathComponent.trimmingCharacters(in: CharacterSet(charactersIn: "."))
            guard !name.isEmpty else { throw APIError.invalid("file part \(index) has an empty filename", param: "file") }
            let url = folder.appendingPathComponent("\(index)-" + name)
            guard FileManager.default.createFile(atPath: url.path, contents: Data(file.body.readableBytesView)) else {
                throw APIError.internalError("cannot write the upload to a temporary file")
            }
            let id = files.count == 1 ? fields["id"] ?? name : name
            let loaded = DocumentLoader().loadFile(url, id: id)
            if let failure = loaded.failures.first ?? (loaded.documents.isEmpty ? loaded.issues.first : nil) {
                throw APIError.invalid("\(name): \(failure.error)".replacingOccurrences(of: url.path, with: name), param: "file")
            }
            for var document in loaded.documents {
                document.sourcePath = "upload:" + name
                document.acl = acl.isEmpty ? document.acl : acl
                document.metadata.merge(metadata) { $1 }
                documents.append(document)
            }
        }
        return documents
    }
}
