import Foundation
import RagTuneEvaluation
import RagTuneModels

/// MiniLM vectors of a BEIR corpus and its queries, cached on disk so that the Swift and Python
/// benchmarks (Benchmarks/hnsw_scifact_reference.py) search the very same vectors: raw
/// little-endian float32 (docs.f32, queries.f32) and a meta.json naming the shapes and the
/// source files' sizes and modification times; the cache is rebuilt when those change.
public struct HNSWVectorCache: Sendable {
    /// The cache folder.
    public let folder: URL
    /// `[documents][dimension]`, L2-normalized.
    public let documents: [[Float]]
    /// `[queries][dimension]`, L2-normalized.
    public let queries: [[Float]]

    static let model = "all-MiniLM-L6-v2"

    /// Path, size and modification time of a file, the cache's validity key.
    struct FileStamp: Codable, Equatable {
        var path: String
        var size: Int64
        var mtime: Int64

        init(_ url: URL) throws {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            path = url.standardizedFileURL.path
            size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            mtime = Int64((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)
        }
    }

    /// What the vectors were made from.
    struct Sources: Codable, Equatable {
        var model: String
        var corpus: FileStamp
        var queriesFile: FileStamp

        enum CodingKeys: String, CodingKey {
            case model, corpus
            case queriesFile = "queries_file"
        }
    }

    /// meta.json.
    struct Meta: Codable, Equatable {
        var sources: Sources
        var dimension: Int
        var documents: Int
        var queries: Int
        var dtype = "float32, little-endian, row-major"
        var documentText = "title + \" \" + text (BEIR)"

        enum CodingKeys: String, CodingKey {
            case sources, dimension, documents, queries, dtype
            case documentText = "document_text"
        }
    }

    /// The default folder: ~/.cache/ragtune/bench/<corpus folder>-minilm.
    public static func defaultFolder(corpus: URL) -> URL {
        FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/ragtune/bench", isDirectory: true)
            .appendingPathComponent(corpus.deletingLastPathComponent().lastPathComponent + "-minilm", isDirectory: true)
    }

    /// Loads the cache in `folder` when its meta.json matches the corpus and queries files, else
    /// embeds documents (title + " " + text) and queries with MiniLM and writes it.
    /// - Throws: read, parse, model and write errors.
    public static func load(corpus: URL, queries: URL, folder: URL, log: BenchLog) throws -> HNSWVectorCache {
        let sources = Sources(model: model, corpus: try FileStamp(corpus), queriesFile: try FileStamp(queries))
        let metaURL = folder.appendingPathComponent("meta.json")
        if let data = try? Data(contentsOf: metaURL), let meta = try? JSONDecoder().decode(Meta.self, from: data),
           meta.sources == sources,
           let docs = readMatrix(folder.appendingPathComponent("docs.f32"), rows: meta.documents, columns: meta.dimension),
           let qs = readMatrix(folder.appendingPathComponent("queries.f32"), rows: meta.queries, columns: meta.dimension) {
            log.note("vectors: \(meta.documents) documents, \(meta.queries) queries from \(folder.path)")
            return HNSWVectorCache(folder: folder, documents: docs, queries: qs)
        }
        let corpusDocuments = try BEIRCorpus(contentsOf: corpus).documents
        let queryTexts = try BEIRQueries(contentsOf: queries).queries.map(\.text)
        let embedder = try MiniLMEmbedder(batchSize: 32, threads: 2)
        var docs: [[Float]] = []
        let texts = corpusDocuments.map { $0.title + " " + $0.text }
        let start = DispatchTime.now().uptimeNanoseconds
        for chunk in stride(from: 0, to: texts.count, by: 512) {
            docs += try embedder.embed(Array(texts[chunk..<min(chunk + 512, texts.count)]))
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            log.progress(String(format: "embedded %d/%d documents (%.0f s)", docs.count, texts.count, elapsed))
        }
        let qs = try embedder.embed(queryTexts)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try writeMatrix(docs, to: folder.appendingPathComponent("docs.f32"))
        try writeMatrix(qs, to: folder.appendingPathComponent("queries.f32"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let meta = Meta(sources: sources, dimension: embedder.dimension, documents: docs.count, queries: qs.count)
        try encoder.encode(meta).write(to: metaURL, options: .atomic)
        log.progress("vectors cached in \(folder.path)")
        return HNSWVectorCache(folder: folder, documents: docs, queries: qs)
    }

    /// `rows × columns` float32 values, or nil when the file is missing or has another size.
    static func readMatrix(_ url: URL, rows: Int, columns: Int) -> [[Float]]? {
        guard let data = try? Data(contentsOf: url), data.count == rows * columns * 4 else { return nil }
        let flat = data.withUnsafeBytes { raw in
            (0..<rows * columns).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        return (0..<rows).map { Array(flat[$0 * columns ..< ($0 + 1) * columns]) }
    }

    static func writeMatrix(_ rows: [[Float]], to url: URL) throws {
        var data = Data(capacity: rows.count * (rows.first?.count ?? 0) * 4)
        for row in rows {
            for v in row { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        try data.write(to: url, options: .atomic)
    }
}
