import Foundation
import Testing
@testable import RagTuneRetrieval

@Suite struct TextChunkerTests {
    /// One token per whitespace-separated word: sums over sentences are then exact.
    static let words: @Sendable (String) -> Int = { $0.split(whereSeparator: \.isWhitespace).count }

    static func document(_ text: String, format: DocumentFormat = .text) -> SourceDocument {
        SourceDocument(id: "doc", sourcePath: "doc", title: "t", text: text, format: format)
    }

    /// Offsets slice the document to each chunk's body; ordinals count up; every non-space scalar
    /// outside heading lines lies in a chunk; no chunk is over budget unless it is one word.
    static func checkInvariants(_ chunks: [Chunk], _ document: SourceDocument, budget: Int,
                                headingLines: Bool = false) {
        let scalars = Array(document.text.unicodeScalars)
        var covered = [Bool](repeating: false, count: scalars.count)
        for (ordinal, chunk) in chunks.enumerated() {
            #expect(chunk.ordinal == ordinal && chunk.documentID == document.id)
            #expect(document.text(from: chunk.startOffset, to: chunk.endOffset) == chunk.body)
            #expect(chunk.text.hasSuffix(chunk.body))
            #expect(chunk.tokenCount == words(chunk.text))
            #expect(chunk.tokenCount <= budget || words(chunk.body) == 1, "chunk \(ordinal) over budget")
            for i in chunk.startOffset..<chunk.endOffset { covered[i] = true }
        }
        var lineIsHeading = false, atLineStart = true
        for (i, scalar) in scalars.enumerated() {
            if atLineStart { lineIsHeading = headingLines && scalar == "#" }
            atLineStart = scalar == "\n"
            if !scalar.properties.isWhitespace && !lineIsHeading {
                #expect(covered[i], "scalar \(i) (\(scalar)) not in any chunk")
            }
        }
    }

    @Test func packsSentencesUnderBudgetWithOverlap() throws {
        // Ten 4-word sentences; budget 10 → two sentences a chunk; overlap 4 → one carried sentence.
        let text = (0..<10).map { "Sentence number \($0) here." }.joined(separator: " ")
        let document = Self.document(text)
        let chunker = try TextChunker(maxTokens: 10, overlapTokens: 4, countTokens: Self.words)
        let chunks = chunker.chunk(document)
        Self.checkInvariants(chunks, document, budget: 10)
        #expect(chunks.count == 9)
        #expect(chunks[0].text == "Sentence number 0 here. Sentence number 1 here.")
        #expect(chunks[1].text == "Sentence number 1 here. Sentence number 2 here.")
        #expect(chunks.last?.text.hasSuffix("number 9 here.") == true)
        let noOverlap = try TextChunker(maxTokens: 10, overlapTokens: 0, countTokens: Self.words).chunk(document)
        #expect(noOverlap.count == 5)
        Self.checkInvariants(noOverlap, document, budget: 10)
        #expect(zip(noOverlap, noOverlap.dropFirst()).allSatisfy { $0.endOffset < $1.startOffset })
    }

    @Test func longSentencesSplitByWordsAndLongWordsStayWhole() throws {
        let long = (1...25).map { "w\($0)" }.joined(separator: " ")
        let text = "Short one. \(long). Next \(String(repeating: "x", count: 40)) end."
        let document = Self.document(text)
        let chunks = try TextChunker(maxTokens: 8, overlapTokens: 2, countTokens: Self.words).chunk(document)
        Self.checkInvariants(chunks, document, budget: 8)
        // A counter that charges one token per 10 characters: a 40-character word alone is over budget.
        let heavy: @Sendable (String) -> Int = { $0.split(whereSeparator: \.isWhitespace).reduce(0) { $0 + 1 + $1.count / 10 } }
        let heavyChunks = try TextChunker(maxTokens: 3, overlapTokens: 0, countTokens: heavy).chunk(document)
        #expect(heavyChunks.contains { $0.text == String(repeating: "x", count: 40) && $0.tokenCount == 5 })
        #expect(heavyChunks.allSatisfy { $0.tokenCount <= 3 || !$0.text.contains(" ") })
    }

    @Test func sentenceSplittingKeepsAbbreviationsAndDecimals() {
        let text = "See e.g. Fig. 3 for details. Dr. Smith measured 3.14 units! J. Doe agreed? Yes.\nnew line. lower case. Next"
        let s = Array(text.unicodeScalars)
        let sentences = TextChunker.sentenceRanges(s, in: 0..<s.count).map { TextChunker.string(s, $0) }
        #expect(sentences == ["See e.g. Fig. 3 for details.", "Dr. Smith measured 3.14 units!", "J. Doe agreed?",
                              "Yes.", "new line. lower case.", "Next"])
        #expect(TextChunker.sentences(of: text) == sentences)
    }

    @Test func markdownHeadingsStartSectionsAndPrefixChunks() throws {
        let text = """
        Preamble line.

        # Guide
        Welcome to the guide.

        ## Install
        Run the installer. Then restart.

        ```
        # not a heading
        ```

        ## Use
        Open the app.
        # Other #
        Done.
        """
        let document = Self.document(text, format: .markdown)
        let chunker = try TextChunker(maxTokens: 50, overlapTokens: 5, countTokens: Self.words)
        let chunks = chunker.chunk(document)
        Self.checkInvariants(chunks, document, budget: 50, headingLines: true)
        #expect(chunks.map(\.heading) == [nil, "Guide", "Guide > Install", "Guide > Use", "Other"])
        #expect(chunks[0].text == "Preamble line.")
        #expect(chunks[2].text == "Guide > Install\n\nRun the installer. Then restart.\n\n```\n# not a heading\n```")
        #expect(chunks[2].body == "Run the installer. Then restart.\n\n```\n# not a heading\n```")
        #expect(chunks[4].text == "Other\n\nDone.")
        // Without prefixes the text is the source span; in plain-text mode headings are ordinary lines.
        let bare = try TextChunker(maxTokens: 50, overlapTokens: 5, prefixHeading: false, countTokens: Self.words)
        #expect(bare.chunk(document).allSatisfy { $0.text == $0.body && $0.prefixLength == 0 })
        let plain = try TextChunker(maxTokens: 50, overlapTokens: 5, headingMode: .never, countTokens: Self.words)
            .chunk(document)
        #expect(plain.count == 1 && plain[0].heading == nil && plain[0].text == text)
    }

    @Test func htmlHeadingsBecomeSections() throws {
        let (_, text) = HTMLTextExtractor.extract("<h1>Guide</h1><p>Intro.</p><h2>Install</h2><p>Run it.</p>")
        let document = Self.document(text, format: .html)
        let chunks = try TextChunker(countTokens: Self.words).chunk(document)
        #expect(chunks.map(\.text) == ["Guide\n\nIntro.", "Guide > Install\n\nRun it."])
        Self.checkInvariants(chunks, document, budget: 256, headingLines: true)
    }

    @Test func offsetsCountUnicodeScalars() throws {
        let document = Self.document("Café ☕️ first. Ünïcödé second 🎉 here.")
        let chunks = try TextChunker(maxTokens: 4, overlapTokens: 0, countTokens: Self.words).chunk(document)
        #expect(chunks.map(\.text) == ["Café ☕️ first.", "Ünïcödé second 🎉 here."])
        Self.checkInvariants(chunks, document, budget: 4)
        #expect(chunks[1].startOffset == Array("Café ☕️ first. ".unicodeScalars).count)
    }

    @Test func rejectsBadConfiguration() {
        #expect(throws: RetrievalError.self) { try TextChunker(maxTokens: 0, countTokens: Self.words) }
        #expect(throws: RetrievalError.self) { try TextChunker(maxTokens: 10, overlapTokens: 10, countTokens: Self.words) }
        #expect(throws: RetrievalError.self) { try TextChunker(maxTokens: 10, overlapTokens: -1, countTokens: Self.words) }
    }
}
