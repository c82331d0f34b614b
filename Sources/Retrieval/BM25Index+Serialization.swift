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
        var out = ByteWriter()
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
        var r = ByteReader(bytes: bytes)
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

/// Appends little-endian integers and length-prefixed strings.
private struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u32(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> s)) } }
    mutating func u64(_ v: UInt64) { for s in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> s)) } }
    mutating func u32s(_ values: [UInt32]) {
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for v in values { u32(v) }
    }
    mutating func string(_ s: String) {
        u32(UInt32(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
}

/// Reads what `ByteWriter` wrote, throwing instead of reading past the end.
private struct ByteReader {
    let bytes: [UInt8]
    var position = 0

    func corrupt(_ reason: String) -> RetrievalError { .corruptIndex(offset: position, reason: reason) }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - position else { throw corrupt("needs \(n) bytes, \(bytes.count - position) left") }
        defer { position += n }
        return bytes[position ..< position + n]
    }
    mutating func u8() throws -> UInt8 { try take(1).first ?? 0 }
    mutating func u32() throws -> UInt32 {
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
    mutating func u64() throws -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
    /// A count read from the file, refused when the rest of the file cannot hold that many items.
    func count<T: BinaryInteger>(_ value: T, _ what: String, minimumBytes: Int) throws -> Int {
        guard value >= 0, UInt64(value) <= UInt64((bytes.count - position) / minimumBytes) else {
            throw corrupt("\(what) \(value) is larger than the file allows")
        }
        return Int(value)
    }
    mutating func u32s(_ n: Int) throws -> [UInt32] {
        let raw = try take(n * 4)
        var out = [UInt32](repeating: 0, count: n)
        var i = raw.startIndex
        for k in 0 ..< n {
            out[k] = UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24
            i += 4
        }
        return out
    }
    mutating func string() throws -> String {
        let n = try count(try u32(), "string length", minimumBytes: 1)
        guard let s = String(validating: try take(n), as: UTF8.self) else { throw corrupt("invalid UTF-8 string") }
        return s
    }
}
