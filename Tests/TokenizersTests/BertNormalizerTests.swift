import Testing
@testable import RagTuneTokenizers

/// BERT normalization and word splitting, without a vocabulary.
@Suite struct BertNormalizerTests {
    func words(_ text: String, _ normalizer: BertNormalizer = BertNormalizer()) -> [String] {
        var result = [String]()
        normalizer.forEachWord(in: text[...]) { bytes, count in
            result.append(String(decoding: bytes, as: UTF8.self))
            #expect(count == result.last!.unicodeScalars.count)
            return true
        }
        return result
    }

    @Test func uncased() {
        #expect(words("Héllo, WORLD!") == ["hello", ",", "world", "!"])
        #expect(words("ÉCOLE   Über\tMaß") == ["ecole", "uber", "maß"])
        #expect(words("北京是a中") == ["北", "京", "是", "a", "中"])
        #expect(words("$5+x=<y>^`|~") == ["$", "5", "+", "x", "=", "<", "y", ">", "^", "`", "|", "~"])
        #expect(words("soft\u{AD}hyphen zero\u{200B}width\u{0}nul\u{FFFD}") == ["softhyphen", "zerowidthnul"])
        #expect(words("") == [] && words(" \n ") == [])
    }

    @Test func cased() {
        let cased = BertNormalizer(cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: false)
        #expect(words("Héllo, WORLD!", cased) == ["Héllo", ",", "WORLD", "!"])
    }

    @Test func stopsWhenAsked() {
        var seen = [String]()
        BertNormalizer().forEachWord(in: "one two three"[...]) { bytes, _ in
            seen.append(String(decoding: bytes, as: UTF8.self))
            return seen.count < 2
        }
        #expect(seen == ["one", "two"])
    }
}
