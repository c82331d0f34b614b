import Testing
@testable import RagTuneBench

/// The fuzzer's JSON tree: strict parsing and writing that keeps member order and number text.
@Suite struct FuzzJSONTests {
    @Test func jsonTreesRoundTrip() throws {
        let json = FuzzTinyModel.wordPieceJSON
        #expect(FuzzJSON(parsing: json.bytes) == json)
        #expect(FuzzJSON(parsing: Array(#"{"a": [1, -2.5e3, "x\"\\\u00e9\ud83d\ude00", null, true, {}]}"#.utf8))?.text
                == "{\"a\": [1, -2.5e3, \"x\\\"\\\\é😀\", null, true, {}]}")
        #expect(FuzzJSON(parsing: Array("[1,]".utf8)) == nil && FuzzJSON(parsing: Array("{\"a\" 1}".utf8)) == nil)
    }
}
