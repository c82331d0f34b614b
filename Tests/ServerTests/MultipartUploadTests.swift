import Foundation
import NIOCore
@testable import RagTuneServer
import Testing

/// The multipart splitter: well-formed forms, and malformed ones (which schemathesis sent) are
/// errors, never a hang.
struct MultipartUploadTests {
    @Test func splitsFieldsAndFiles() throws {
        let body = "preamble\r\n--b\r\nContent-Disposition: form-data; name=\"acl\"\r\n\r\nresearch\r\n"
            + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n"
            + "line one\r\nline two\r\n--b--\r\n"
        let parts = try MultipartUpload.parts(of: ByteBuffer(string: body), boundary: "b")
        #expect(parts.map(\.name) == ["acl", "file"])
        #expect(parts.map(\.filename) == [nil, "a.txt"])
        #expect(parts.map { String(buffer: $0.body) } == ["research", "line one\r\nline two"])
        #expect(MultipartUpload.boundary(contentType: "multipart/form-data; boundary=\"xyz\"") == "xyz")
        #expect(MultipartUpload.boundary(contentType: "application/json") == nil)
    }

    @Test(arguments: ["--b\r\n\u{b8}\u{a6}--b--\r\n", "--b\r\n", "--b", "no delimiter", "--b\r\nX: y\r\n\r\nbody without end",
                      "--bxx", ""])
    func malformedBodiesAreErrors(_ body: String) {
        #expect(throws: APIError.self) { try MultipartUpload.parts(of: ByteBuffer(string: body), boundary: "b") }
    }

    @Test func fileNamesNeverBecomePaths() throws {
        let body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../etc/notes.txt\"\r\n\r\nhello there\r\n--b--\r\n"
        let documents = try MultipartUpload.documents(try MultipartUpload.parts(of: ByteBuffer(string: body), boundary: "b"))
        #expect(documents.map(\.id) == ["notes.txt"] && documents.first?.text.contains("hello there") == true)
    }
}
