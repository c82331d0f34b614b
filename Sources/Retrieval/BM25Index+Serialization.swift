/// Binary form of a `BM25Index`: the compact arrays, little-endian, fixed width. Posting weights
/// are not stored; they are recomputed on load from tf, document lengths and the parameters.
///
///     "RTBM25IX"  u32 version (1)
///     f64 k1  f64 b  u8 stemming  u32 stopwordCount  { u32 length, UTF-8 }*
///     u64 documentCount  { u32 length, UTF-8 id }*  u32 documentLengths[documentCount]
///     u64 termCount  u64 termBytes  UTF-8 terms (concatenated)  u32 termLengths[termCount]
///     u32 documentFrequencies[termCount]  u64 postingCount
///     u32 postingDocuments[postingCount]  u32 postingFrequencies[postingCount]
///
/// Term ids are the terms' order. Postings are grouped by term, documents ascending.
extension BM25Index {
    static let magic = Array("RTBM25IX".utf8)
    static let formatVersion: UInt32 = 1

    /// The index as bytes (see the format above); `init(serialized:)` reads it back.
    public func serialize() -> [UInt8] {
        var out = IndexByteWriter()
        out.bytes.append(contentsOf: Self.magic)
        out.u32(Self.formatVersion)
        out.u64(scoring.k1.bitPattern)
        out.u64(scoring.b.bitPattern)
        out.bytes.append(analyzer.stemming ? 1 : 0)
        out.u32(UInt32(analyzer.stopwords.count))
        for word in analyzer.stopwords.sorted() { out.string(word) }
        out.u64(UInt64(documentCount))
        for id in documentIDs { out.string(id) }
        out.u32s(documentLengths)
        out.u64(UInt64(termCount))
        out.u64(UInt64(vocabulary.keyBytes.count))
        out.bytes.append(contentsOf: vocabulary.keyBytes)
        out.u32s((0 ..< termCount).map { UInt32(vocabulary.keyOffsets[$0 + 1] - vocabulary.keyOffsets[$0]) })
        out.u32s((0 ..< termCount).map { UInt32(postingOffsets[$0 + 1] - postingOffsets[$0]) })
        out.u64(UInt64(postingCount))
        out.u32s(postingDocuments)
        out.u32s(postingFrequencies)
        return out.bytes
    }

    /// Reads an index written by `serialize()`, checking every count and offset.
    /// - Throws: `RetrievalError.corruptIndex` naming the first inconsistency found.
    public init(serialized bytes: [UInt8]) throws {
        var r = IndexByteReader(bytes: bytes, format: "BM25")
        guard try r.take(Self.magic.count) == Self.magic[...] else { throw r.corrupt("not a BM25 index (bad magic)") }
        let version = try r.u32()
        guard version == Self.formatVersion else { throw r.corrupt("unsupported format version \(version)") }
        let scoring = BM25Scoring(k1: Double(bitPattern: try r.u64()), b: Double(bitPattern: try r.u64()))
        do { try scoring.validate() } catch { throw r.corrupt("\(error)") }
        let stemming = try r.u8()
        guard stemming <= 1 else { throw r.corrupt("stemming flag \(stemming)") }
        let stopwords = try (0 ..< r.count(try r.u32(), "stopword count", minimumBytes: 4)).map { _ in try r.string() }
        let documentCount = try r.count(try r.u64(), "document count", minimumBytes: 8)
        let documentIDs = try (0 ..< documentCount).map { _ in try r.string() }
        let documentLengths = try r.u32s(documentCount)
        let termCount = try r.count(try r.u64(), "term count", minimumBytes: 8)
        let termBytes = Array(try r.take(r.count(try r.u64(), "term bytes", minimumBytes: 1)))
        var keyOffsets = [0]
        for length in try r.u32s(termCount) { keyOffsets.append(keyOffsets[keyOffsets.count - 1] + Int(length)) }
        guard let vocabulary = TermTable(keyBytes: termBytes, keyOffsets: keyOffsets,
                                         values: (0 ..< termCount).map { Int32($0) }) else {
            throw r.corrupt("term lengths do not add up to the term bytes, or a term repeats")
        }
        var postingOffsets = [0]
        for df in try r.u32s(termCount) { postingOffsets.append(postingOffsets[postingOffsets.count - 1] + Int(df)) }
        let postingCount = try r.count(try r.u64(), "posting count", minimumBytes: 8)
        guard postingOffsets[termCount] == postingCount else {
            throw r.corrupt("document frequencies add up to \(postingOffsets[termCount]), not \(postingCount)")
        }
        let documents = try r.u32s(postingCount)
        let frequencies = try r.u32s(postingCount)
        guard r.position == bytes.count else { throw r.corrupt("\(bytes.count - r.position) trailing bytes") }
        // Postings must point at documents in increasing order, and tf must add up to |d|.
        var lengthCheck = [UInt64](repeating: 0, count: documentCount)
        for term in 0 ..< termCount {
            var previous = -1
            for p in postingOffsets[term] ..< postingOffsets[term + 1] {
                let d = Int(documents[p])
                guard d < documentCount, d > previous, frequencies[p] > 0 else {
                    throw r.corrupt("posting \(p) of term \(term): document \(d), tf \(frequencies[p])")
                }
                previous = d
                lengthCheck[d] += UInt64(frequencies[p])
            }
        }
        for d in 0 ..< documentCount where lengthCheck[d] != UInt64(documentLengths[d]) {
            throw r.corrupt("document \(d) has length \(documentLengths[d]) but its postings sum to \(lengthCheck[d])")
        }
        self.init(scoring: scoring, analyzer: EnglishAnalyzer(stopwords: stopwords, stemming: stemming == 1),
                  documentIDs: documentIDs, documentLengths: documentLengths, vocabulary: vocabulary,
                  postingOffsets: postingOffsets, postingDocuments: documents, postingFrequencies: frequencies)
    }
}
