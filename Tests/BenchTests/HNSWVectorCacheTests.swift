import Foundation
import Testing
@testable import RagTuneBench

/// The vector cache `bench hnsw` shares with Benchmarks/hnsw_scifact_reference.py.
@Suite struct HNSWVectorCacheTests {
    @Test func matricesRoundTripAsLittleEndianFloat32() throws {
        let dir = try scratchFolder("hnsw-cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows: [[Float]] = [[1, -2.5, 0.125], [3e-8, .greatestFiniteMagnitude, -0.0]]
        let url = dir.appendingPathComponent("m.f32")
        try HNSWVectorCache.writeMatrix(rows, to: url)
        #expect(try Data(contentsOf: url).prefix(4) == Data([0x00, 0x00, 0x80, 0x3F]))  // 1.0f
        #expect(HNSWVectorCache.readMatrix(url, rows: 2, columns: 3) == rows)
        #expect(HNSWVectorCache.readMatrix(url, rows: 3, columns: 3) == nil)
    }

    /// A cache whose meta.json (written as before the typed encoder, keys sorted) matches the
    /// source files loads without embedding; a changed source file is a miss.
    @Test func matchingMetaLoadsWithoutTheModel() throws {
        let dir = try scratchFolder("hnsw-cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus.jsonl"), queries = dir.appendingPathComponent("queries.jsonl")
        try Data("{}".utf8).write(to: corpus)
        try Data("{}\n".utf8).write(to: queries)
        let folder = dir.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try HNSWVectorCache.writeMatrix([[1, 0], [0, 1], [0.6, 0.8]], to: folder.appendingPathComponent("docs.f32"))
        try HNSWVectorCache.writeMatrix([[1, 0]], to: folder.appendingPathComponent("queries.f32"))
        func stamp(_ url: URL) throws -> String {
            let stamp = try HNSWVectorCache.FileStamp(url)
            return #"{"mtime":\#(stamp.mtime),"path":"\#(stamp.path)","size":\#(stamp.size)}"#
        }
        let meta = #"{"dimension":2,"document_text":"title + \" \" + text (BEIR)","documents":3,"#
            + #""dtype":"float32, little-endian, row-major","queries":1,"sources":{"corpus":\#(try stamp(corpus)),"#
            + #""model":"all-MiniLM-L6-v2","queries_file":\#(try stamp(queries))}}"#
        try Data(meta.utf8).write(to: folder.appendingPathComponent("meta.json"))
        var notes: [String] = []
        let cache = try HNSWVectorCache.load(corpus: corpus, queries: queries, folder: folder,
                                             log: BenchLog(progress: { _ in }, note: { notes.append($0) }))
        #expect(cache.documents == [[1, 0], [0, 1], [0.6, 0.8]] && cache.queries == [[1, 0]])
        #expect(notes == ["vectors: 3 documents, 1 queries from \(folder.path)"])
        // The typed meta encodes to the same object.
        let decoded = try JSONDecoder().decode(HNSWVectorCache.Meta.self, from: Data(meta.utf8))
        #expect(keys(try jsonObject(decoded)) == ["dimension", "document_text", "documents", "dtype", "queries", "sources"])
        #expect(keys(try jsonObject(decoded.sources)) == ["corpus", "model", "queries_file"])
        let written = try #require(try JSONSerialization.jsonObject(with: Data(meta.utf8)) as? [String: Any])
        #expect(NSDictionary(dictionary: try jsonObject(decoded)).isEqual(to: written))
    }
}
