import Foundation
import Testing
import RagTuneTensor
@testable import RagTuneModelFiles

/// Safetensors bytes from a literal JSON header (padded with spaces) and `dataCount` data bytes.
func rawSafetensors(_ json: String, dataCount: Int = 0, declaredLength: UInt64? = nil) -> [UInt8] {
    var header = Array(json.utf8)
    header.pad(to: 8, with: UInt8(ascii: " "))
    var bytes: [UInt8] = []
    bytes.appendLittleEndian(declaredLength ?? UInt64(header.count))
    return bytes + header + [UInt8](repeating: 0, count: dataCount)
}

@Suite struct SafetensorsFileTests {
    @Test func readsWriterOutput() throws {
        let writer = try Fixtures.safetensorsWriter()
        let file = try SafetensorsFile(bytes: writer.serialized(), name: "fixture.safetensors")
        #expect(file.metadata == writer.metadata)
        #expect(file.tensorNames == ["a.weight", "b.half", "c.bf16", "d.scalar", "e.empty", "f.ids"])
        let a = try #require(file.info("a.weight"))
        #expect(a.dtype == .f32 && a.shape == [3, 4] && a.elementCount == 12 && a.byteRange.count == 48)
        #expect(try file.floats("a.weight") == randomFloats(12, seed: 1))
        let half = randomFloats(5, seed: 2).map { Float(Float16($0)) }
        #expect(try file.floats("b.half") == half)
        let bf16 = randomFloats(6, seed: 3).map { Quantization.bf16ToFloat(Quantization.floatToBF16($0)) }
        #expect(try file.tensor("c.bf16") == Tensor(shape: [2, 1, 3], values: bf16))
        #expect(try file.tensor("d.scalar") == Tensor(shape: [], values: [42]))
        #expect(try file.floats("e.empty").isEmpty)
        #expect(try file.withTensorBytes("f.ids") { Array($0) } == writer.tensors.last!.bytes)
        let ids = expectModelFilesError { _ = try file.floats("f.ids") }
        #expect(ids?.description == "fixture.safetensors: tensor 'f.ids' has unsupported dtype 'I64'")
        let missing = expectModelFilesError { _ = try file.floats("g") }
        #expect(missing == .tensorNotFound(file: "fixture.safetensors", name: "g"))
    }

    @Test func acceptsMinimalHeaders() throws {
        let empty = try SafetensorsFile(bytes: rawSafetensors("{}"), name: "e.safetensors")
        #expect(empty.tensorNames.isEmpty && empty.metadata.isEmpty)
        let one = try SafetensorsFile(bytes: rawSafetensors(
            #"{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"__metadata__":{"k":"v"}}"#, dataCount: 4),
            name: "one.safetensors")
        #expect(one.metadata == ["k": "v"] && one.info("x")?.byteRange == one.dataOffset..<(one.dataOffset + 4))
        #expect(try one.floats("x") == [0, 0])
    }

    @Test func rejectsBadHeaderLengths() {
        let short = expectModelFilesError { _ = try SafetensorsFile(bytes: [1, 2, 3], name: "s.safetensors") }
        #expect(short == .truncated(file: "s.safetensors", what: "header length", offset: 0, needed: 8, size: 3))
        let huge = expectModelFilesError {
            _ = try SafetensorsFile(bytes: rawSafetensors("{}", declaredLength: 1 << 62), name: "h.safetensors")
        }
        #expect(huge?.description == "h.safetensors: invalid header: header length 4611686018427387904 exceeds the 100000000-byte limit")
        let past = expectModelFilesError {
            _ = try SafetensorsFile(bytes: rawSafetensors("{}", declaredLength: 1000), name: "p.safetensors")
        }
        #expect(past == .truncated(file: "p.safetensors", what: "JSON header", offset: 8, needed: 1000, size: 16))
    }

    @Test(arguments: [
        ("[1,2]", "does not start with '{'"),
        ("{\"a\":", "invalid JSON"),
        (#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, "invalid JSON at [\"a\"]"),
        (#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, "invalid JSON"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,1e30]}}"#, "invalid JSON"),
        (#"{"__metadata__":{"k":1}}"#, "invalid JSON at [\"__metadata__\"]"),
        (#"{"w":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}"#, "tensor 'w' has unsupported dtype 'Q4'"),
        (#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, "tensor 'w': negative dimension in shape [-1]"),
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, "tensor 'w': data_offsets [4, 0] must be"),
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, "tensor 'w': data_offsets [0, 4, 8] must be"),
        (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, "span 4 bytes but shape [2] of F32 needs 8"),
        (#"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#, "byte size of shape"),
        (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}}"#, "tensor 'w' data [offset 80, 16 bytes] runs past end"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
         "tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8]"),
    ])
    func rejectsMalformedHeaders(json: String, message: String) {
        let error = expectModelFilesError(Comment(rawValue: json)) {
            _ = try SafetensorsFile(bytes: rawSafetensors(json, dataCount: 16), name: "bad.safetensors")
        }
        #expect(error?.description.hasPrefix("bad.safetensors: ") == true)
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "nil") lacks \(message)")
    }
}
