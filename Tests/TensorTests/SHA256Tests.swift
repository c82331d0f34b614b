import Foundation
import Testing
@testable import RagTuneTensor

@Suite struct SHA256Tests {
    private func digest(_ s: String) -> String {
        var h = SHA256()
        h.update(Array(s.utf8))
        return h.hexDigest()
    }

    @Test func knownVectors() {
        #expect(digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(digest(String(repeating: "a", count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func streamingEqualsOneShot() {
        let text = Array(String(repeating: "RagTune measures. ", count: 100).utf8)
        var h = SHA256()
        for chunk in stride(from: 0, to: text.count, by: 37) {
            h.update(Array(text[chunk..<min(chunk + 37, text.count)]))
        }
        #expect(h.hexDigest() == digest(String(decoding: text, as: UTF8.self)))
    }
}
