import Testing
import RagTuneRetrieval
import RagTuneStorage
@testable import RagTuneRAG

@Suite struct NeighbourExpanderTests {
    @Sendable private static func words(_ text: String) -> Int { text.split(separator: " ").count }

    /// Chunks of two 4-word sentences each, from a note whose two sections are "Devices" and "People".
    private static func chunks(overlap: Int = 0, acl: [String] = []) throws -> (text: String, chunks: [StoredChunk]) {
        let devices = (0..<6).map { "Device number \($0) here." }.joined(separator: " ")
        let text = "# Devices\n\n\(devices)\n\n# People\n\nPerson number 0 here. Person number 1 here."
        // 9 words: the heading and two sentences.
        let chunker = try TextChunker(maxTokens: 9, overlapTokens: overlap, countTokens: words)
        let chunks = chunker.chunk(text: text, documentID: "note", structured: true).enumerated().map { i, chunk in
            StoredChunk(id: Int64(i + 1), chunk: chunk, documentSource: "/docs/note.md", documentTitle: "note", metadata: [:],
                        acl: acl, embedding: [])
        }
        return (text, chunks)
    }

    private static func source(_ number: Int, _ chunk: StoredChunk) -> SourcePassage {
        SourcePassage(number: number, chunk: chunk, score: 1, similarity: nil)
    }

    private static func lookup(_ chunks: [StoredChunk]) -> (String, Int) -> StoredChunk? {
        { document, ordinal in chunks.first { $0.documentID == document && $0.ordinal == ordinal } }
    }

    private static func slice(_ text: String, _ chunk: StoredChunk) -> String {
        String(String.UnicodeScalarView(Array(text.unicodeScalars)[chunk.startOffset..<chunk.endOffset]))
    }

    @Test func eachSourceIsShownWithTheChunksAroundIt() throws {
        let (text, chunks) = try Self.chunks()
        #expect(chunks.count == 4 && chunks.map(\.chunk.heading) == ["Devices", "Devices", "Devices", "People"])
        let widened = NeighbourExpander(neighbours: 1).expand([Self.source(1, chunks[1])], tokenBudget: 1000,
                                                              chunk: Self.lookup(chunks), tokens: { Self.words($0.text) })
        let chunk = try #require(widened.first?.chunk)
        // The citation spans all the text shown, which is the document's own text there, under its heading.
        #expect(chunk.id == 2 && chunk.ordinal == 1 && chunk.startOffset == chunks[0].startOffset && chunk.endOffset == chunks[2].endOffset)
        #expect(chunk.body == Self.slice(text, chunk) && chunk.text == "Devices\n\n" + chunk.body)
        #expect(chunk.body.hasPrefix("Device number 0 here.") && chunk.body.hasSuffix("Device number 5 here."))
        // The People section is another section: the last Devices chunk is not widened into it.
        let last = NeighbourExpander(neighbours: 2).expand([Self.source(1, chunks[2])], tokenBudget: 1000,
                                                           chunk: Self.lookup(chunks), tokens: { Self.words($0.text) })
        #expect(last[0].chunk.startOffset == chunks[0].startOffset && last[0].chunk.endOffset == chunks[2].endOffset)
        #expect(NeighbourExpander(neighbours: 0).expand([Self.source(1, chunks[1])], tokenBudget: 1000,
                                                        chunk: Self.lookup(chunks), tokens: { _ in 1 })[0].chunk == chunks[1])
    }

    @Test func noTextIsShownTwiceAndTheBudgetHolds() throws {
        let (_, chunks) = try Self.chunks()
        let expander = NeighbourExpander(neighbours: 1)
        // Chunks 0 and 1 are both sources: the first does not take the second, which takes chunk 2.
        let both = expander.expand([Self.source(1, chunks[0]), Self.source(2, chunks[1])], tokenBudget: 1000,
                                   chunk: Self.lookup(chunks), tokens: { _ in 10 })
        #expect(both.map(\.chunk.startOffset) == [chunks[0].startOffset, chunks[1].startOffset])
        #expect(both.map(\.chunk.endOffset) == [chunks[0].endOffset, chunks[2].endOffset])
        // With room for one more chunk, the best source takes it (the chunk before it first).
        let tight = expander.expand([Self.source(1, chunks[1]), Self.source(2, chunks[3])], tokenBudget: 30,
                                    chunk: Self.lookup(chunks), tokens: { _ in 10 })
        #expect(tight[0].chunk.startOffset == chunks[0].startOffset && tight[0].chunk.endOffset == chunks[1].endOffset)
        #expect(tight[1].chunk == chunks[3])
        // A chunk the caller may not see (the lookup returns nil) is not shown.
        let hidden = expander.expand([Self.source(1, chunks[1])], tokenBudget: 1000, chunk: { _, _ in nil }, tokens: { _ in 1 })
        #expect(hidden[0].chunk == chunks[1])
        // A compressed source (an excerpt) is left as it is.
        var compressed = Self.source(1, chunks[1])
        compressed.excerpt = "Device number 2 here."
        #expect(expander.expand([compressed], tokenBudget: 1000, chunk: Self.lookup(chunks), tokens: { _ in 1 })[0].chunk == chunks[1])
    }

    @Test func overlappingChunksAreJoinedWithoutRepeatingText() throws {
        let (text, chunks) = try Self.chunks(overlap: 4)
        let devices = chunks.filter { $0.chunk.heading == "Devices" }
        #expect(devices.count >= 3 && devices[1].startOffset < devices[0].endOffset)
        let widened = NeighbourExpander(neighbours: 1).expand([Self.source(1, devices[1])], tokenBudget: 1000,
                                                              chunk: Self.lookup(chunks), tokens: { _ in 1 })
        let chunk = widened[0].chunk
        #expect(chunk.body == Self.slice(text, chunk))
        #expect(chunk.body.components(separatedBy: "Device number 1 here.").count == 2)
    }
}
