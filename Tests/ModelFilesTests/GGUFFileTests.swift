import Foundation
import Testing
import RagTuneTensor
@testable import RagTuneModelFiles

/// Hand-assembled GGUF bytes for the malformed-file tests.
struct RawGGUF {
    var bytes: [UInt8] = []

    /// Magic, version, tensor count and metadata count.
    init(version: UInt32 = 3, tensors: UInt64 = 0, keyValues: UInt64 = 0) {
        bytes = Array("GGUF".utf8)
        u32(version)
        u64(tensors)
        u64(keyValues)
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { bytes.appendLittleEndian(v) }
    mutating func u64(_ v: UInt64) { bytes.appendLittleEndian(v) }
    mutating func string(_ s: String) { bytes.appendGGUFString(s) }

    /// A key with a u32 value.
    mutating func keyU32(_ key: String, _ value: UInt32) {
        string(key)
        u32(GGUFValueType.uint32.rawValue)
        u32(value)
    }

    /// A tensor info: name, dims (ne0 first), ggml type id, relative offset.
    mutating func tensor(_ name: String, _ dims: [UInt64], type: UInt32, offset: UInt64 = 0) {
        string(name)
        u32(UInt32(dims.count))
        for d in dims { u64(d) }
        u32(type)
        u64(offset)
    }

    /// Pads to `alignment` and appends `count` data bytes.
    mutating func data(_ count: Int, alignment: Int = 32) {
        bytes.pad(to: alignment)
        bytes += [UInt8](repeating: 0x11, count: count)
    }

    func parse(_ name: String = "hand.gguf") throws -> GGUFFile {
        try GGUFFile(bytes: bytes, name: name)
    }
}

@Suite struct GGUFFileTests {
    @Test func readsWriterOutput() throws {
        let file = try GGUFFile(bytes: Fixtures.ggufBytes(), name: "fixture.gguf")
        #expect(file.version == 3)
        #expect(file.alignment == 32)
        #expect(file.metadataKeys == Fixtures.ggufMetadata.map(\.0))
        for (key, value) in Fixtures.ggufMetadata { #expect(file.metadata[key] == value, "\(key)") }
        #expect(file.tensors.map(\.name) == Fixtures.ggufTensors.map(\.0))
        for (i, (name, dimensions, type)) in Fixtures.ggufTensors.enumerated() {
            let info = try #require(file.tensor(named: name))
            #expect(info.dimensions == dimensions && info.type == type)
            #expect(info.offset % 32 == 0 && info.offset == file.dataOffset + info.relativeOffset)
            #expect(info.shape == Array(dimensions.reversed()))
            let original = randomFloats(dimensions.reduce(1, *), seed: UInt64(i) + 1)
            let expected = Quantization.quantize(type: type, original)!.withUnsafeBytes {
                Quantization.dequantize(type: type, bytes: $0)!
            }
            #expect(try file.floats(name) == expected, "\(name)")
        }
        let q41 = try file.tensor("q4_1.weight")
        #expect(q41.shape == [3, 32])
        #expect(try file.tensor("empty.weight").storage.isEmpty)
    }

    @Test func metadataAccessors() throws {
        let file = try GGUFFile(bytes: Fixtures.ggufBytes(), name: "fixture.gguf")
        #expect(try file.requireInt("llama.block_count") == 2)
        #expect(try file.requireString("general.architecture") == "llama")
        #expect(try file.requireFloat("test.f32") == 0.1)
        #expect(try file.requireBool("test.bool"))
        #expect(try file.requireStringArray("test.strings") == ["a", "Ġhello", ""])
        #expect(try file.requireIntArray("test.ints") == [1, -2, 3])
        #expect(try file.int("absent.key") == nil)

        let missing = expectModelFilesError { _ = try file.requireInt("llama.context_length") }
        #expect(missing == .missingKey(file: "fixture.gguf", key: "llama.context_length"))
        #expect(missing?.description == "fixture.gguf: missing metadata key 'llama.context_length'")
        let mistyped = expectModelFilesError { _ = try file.int("general.architecture") }
        #expect(mistyped?.description == "fixture.gguf: metadata 'general.architecture' should be an integer but is string \"llama\"")
        // uint64.max does not fit in Int.
        let tooBig = expectModelFilesError { _ = try file.requireInt("test.u64") }
        #expect(tooBig?.description.contains("uint64 18446744073709551615") == true)
        let notStrings = expectModelFilesError { _ = try file.stringArray("test.ints") }
        #expect(notStrings?.description.contains("array of int32 (3 elements)") == true)
    }

    @Test func tensorBytesAndLookupErrors() throws {
        let file = try GGUFFile(bytes: Fixtures.ggufBytes(), name: "fixture.gguf")
        let info = try #require(file.tensor(named: "q8_0.weight"))
        let count = try file.withTensorBytes("q8_0.weight") { $0.count }
        #expect(count == info.byteCount && count == 68)
        #expect(info.rowLength == 32 && info.rowCount == 2 && info.rowByteCount == 34)
        let error = expectModelFilesError { _ = try file.floats("nope") }
        #expect(error?.description == "fixture.gguf: no tensor named 'nope'")
        #expect(file.tensor(named: "nope") == nil)
    }

    @Test func acceptsVersion2AndEmptyFiles() throws {
        var raw = RawGGUF(version: 2, keyValues: 1)
        raw.keyU32("a", 1)
        let file = try raw.parse()
        #expect(file.version == 2 && file.tensors.isEmpty && file.metadataKeys == ["a"])
    }

    @Test func rejectsBadMagicAndVersions() {
        let magic = expectModelFilesError { _ = try GGUFFile(bytes: Array("GGML....".utf8), name: "m.gguf") }
        #expect(magic?.description == "m.gguf: not a GGUF file (starts with bytes [47 47 4d 4c])")
        _ = expectModelFilesError { _ = try GGUFFile(bytes: [], name: "empty.gguf") }
        let v1 = expectModelFilesError { _ = try RawGGUF(version: 1).parse() }
        #expect(v1?.description.contains("GGUF v1") == true)
        let bigEndian = expectModelFilesError { _ = try RawGGUF(version: UInt32(3).byteSwapped).parse() }
        #expect(bigEndian?.description.contains("big-endian") == true)
        let v4 = expectModelFilesError { _ = try RawGGUF(version: 4).parse() }
        #expect(v4 == .unsupportedVersion(file: "hand.gguf", version: 4, reason: "only GGUF v2 and v3 are supported"))
    }

    /// Hostile counts fail before anything of that size is allocated.
    @Test func rejectsHugeCounts() {
        let tensors = expectModelFilesError { _ = try RawGGUF(tensors: 1 << 60).parse() }
        #expect(tensors?.description.contains("tensor count 1152921504606846976") == true)
        _ = expectModelFilesError { _ = try RawGGUF(tensors: .max).parse() }
        _ = expectModelFilesError { _ = try RawGGUF(keyValues: 1 << 62).parse() }

        var longKey = RawGGUF(keyValues: 1)
        longKey.u64(1 << 62)  // key length
        longKey.bytes += [UInt8](repeating: 0, count: 100)
        let key = expectModelFilesError { _ = try longKey.parse() }
        #expect(key == .truncated(file: "hand.gguf", what: "key of metadata entry #0", offset: 32,
                                  needed: 1 << 62, size: 132))

        var longString = RawGGUF(keyValues: 1)
        longString.string("s")
        longString.u32(GGUFValueType.string.rawValue)
        longString.u64(1 << 62)
        _ = expectModelFilesError { _ = try longString.parse() }

        var longArray = RawGGUF(keyValues: 1)
        longArray.string("arr")
        longArray.u32(GGUFValueType.array.rawValue)
        longArray.u32(GGUFValueType.uint64.rawValue)
        longArray.u64(1 << 59)
        let array = expectModelFilesError { _ = try longArray.parse() }
        #expect(array?.description.contains("metadata 'arr': array of 576460752303423488 uint64 elements") == true)

        var overflow = RawGGUF(tensors: 1)
        overflow.tensor("big", [1 << 32, 1 << 32, 1 << 32], type: 0)
        let product = expectModelFilesError { _ = try overflow.parse() }
        #expect(product?.description.contains("tensor 'big': element count of dimensions") == true)

        var byteOverflow = RawGGUF(tensors: 1)
        byteOverflow.tensor("wide", [1 << 62, 1], type: 0)  // 2^62 F32 elements: 2^64 bytes
        _ = expectModelFilesError { _ = try byteOverflow.parse() }

        var hugeDim = RawGGUF(tensors: 1)
        hugeDim.tensor("neg", [.max], type: 0)
        _ = expectModelFilesError { _ = try hugeDim.parse() }
    }

    @Test func rejectsBadTensorInfos() {
        func parse(_ build: (inout RawGGUF) -> Void) -> ModelFilesError? {
            var raw = RawGGUF(tensors: 1)
            build(&raw)
            return expectModelFilesError { _ = try raw.parse("model.gguf") }
        }
        let unknown = parse { $0.tensor("blk.0.ffn_down.weight", [256, 2], type: 12); $0.data(1000) }
        #expect(unknown == .unknownTensorType(file: "model.gguf", tensor: "blk.0.ffn_down.weight", typeID: 12))
        #expect(unknown?.description.hasPrefix("model.gguf: tensor 'blk.0.ffn_down.weight' has unsupported ggml type id 12") == true)
        let dims = parse { $0.tensor("t", [1, 1, 1, 1, 1], type: 0) }
        #expect(dims?.description == "model.gguf: tensor 't': has 5 dimensions; at most 4 are supported")
        let row = parse { $0.tensor("t", [33, 2], type: 3); $0.data(100) }
        #expect(row?.description.contains("row length 33 is not a multiple of the Q4_1 block size 32") == true)
        let misaligned = parse { $0.tensor("t", [8], type: 0, offset: 4); $0.data(64) }
        #expect(misaligned?.description.contains("data offset 4 is not a multiple of the alignment 32") == true)
        let outside = parse { $0.tensor("blk.0.attn_q.weight", [32, 64], type: 3, offset: 0); $0.data(100) }
        #expect(outside == .tensorOutOfBounds(file: "model.gguf", tensor: "blk.0.attn_q.weight",
                                               offset: 96, byteCount: 1280, size: 196))
        #expect(outside?.description
            == "model.gguf: tensor 'blk.0.attn_q.weight' data [offset 96, 1280 bytes] runs past end of file (size 196)")
        let hugeOffset = parse { $0.tensor("t", [8], type: 0, offset: UInt64(Int.max) & ~31); $0.data(64) }
        #expect(hugeOffset?.description.contains("runs past end of file") == true)
        let noData = parse { $0.tensor("t", [8], type: 0) }
        #expect(noData?.description.contains("data section") == true)
    }

    @Test func rejectsDuplicatesAndOverlaps() {
        var keys = RawGGUF(keyValues: 2)
        keys.keyU32("k", 1)
        keys.keyU32("k", 2)
        #expect(expectModelFilesError { _ = try keys.parse() } == .duplicateKey(file: "hand.gguf", key: "k"))

        var names = RawGGUF(tensors: 2)
        names.tensor("t", [8], type: 0, offset: 0)
        names.tensor("t", [8], type: 0, offset: 32)
        names.data(64)
        #expect(expectModelFilesError { _ = try names.parse() } == .duplicateTensor(file: "hand.gguf", name: "t"))

        var overlap = RawGGUF(tensors: 2)
        overlap.tensor("a", [16], type: 0, offset: 0)
        overlap.tensor("b", [8], type: 0, offset: 32)
        overlap.data(96)
        let error = expectModelFilesError { _ = try overlap.parse() }
        #expect(error?.description == "hand.gguf: tensor 'b': data at offset 128 overlaps tensor 'a' [offset 96, 64 bytes]")
    }

    @Test func rejectsBadMetadataValues() {
        func parse(_ build: (inout RawGGUF) -> Void) -> ModelFilesError? {
            var raw = RawGGUF(keyValues: 1)
            build(&raw)
            return expectModelFilesError { _ = try raw.parse() }
        }
        for alignment: UInt32 in [0, 3, 48] {
            let error = parse { $0.keyU32("general.alignment", alignment) }
            #expect(error?.description.contains("'general.alignment': must be a nonzero power of two") == true)
        }
        let bool = parse { $0.string("b"); $0.u32(GGUFValueType.bool.rawValue); $0.u8(2) }
        #expect(bool == .invalidMetadata(file: "hand.gguf", key: "b", reason: "bool byte is 2, not 0 or 1"))
        let type = parse { $0.string("x"); $0.u32(13); $0.u64(0) }
        #expect(type == .invalidMetadata(file: "hand.gguf", key: "x", reason: "unknown value type id 13"))
        let deep = parse { raw in
            raw.string("deep")
            raw.u32(GGUFValueType.array.rawValue)
            for _ in 0..<20 {
                raw.u32(GGUFValueType.array.rawValue)
                raw.u64(1)
            }
            raw.u32(GGUFValueType.uint8.rawValue)
            raw.u64(0)
        }
        #expect(deep?.description.contains("arrays nested deeper than 8 levels") == true)
    }

    @Test func honoursLargerAlignment() throws {
        var raw = RawGGUF(tensors: 1, keyValues: 1)
        raw.keyU32("general.alignment", 256)
        raw.tensor("t", [4], type: 0, offset: 0)
        raw.data(16, alignment: 256)
        let file = try raw.parse()
        #expect(file.alignment == 256 && file.dataOffset == 256)
        #expect(try file.floats("t").count == 4)
    }
}
