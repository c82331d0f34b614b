import Foundation
import Testing
import RagTuneTensor
@testable import RagTuneModelFiles

@Suite struct SafetensorsWriterTests {
    @Test func layoutFollowsReferenceImplementation() throws {
        let bytes = try Fixtures.safetensorsBytes()
        let length = Int(bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        // The header is padded with spaces so the data section starts on an 8-byte boundary.
        #expect((8 + length) % 8 == 0)
        let json = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        #expect(json.hasPrefix(#"{"__metadata__":{"format":"pt","note":"quote \" and \\ and\nnewline"},"#))
        #expect(json.trimmingCharacters(in: .whitespaces).hasSuffix("}"))
        // Ordered by dtype size (8, 4, 2 bytes), then name; offsets contiguous from 0.
        let file = try SafetensorsFile(bytes: bytes, name: "layout.safetensors")
        let order = file.tensorNames.compactMap(file.info).sorted {
            ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound)
        }
        #expect(order.map(\.name) == ["f.ids", "a.weight", "d.scalar", "e.empty", "b.half", "c.bf16"])
        #expect(order.first?.byteRange.lowerBound == 8 + length)
        #expect(order.last?.byteRange.upperBound == bytes.count)
        #expect(json.contains(#""f.ids":{"dtype":"I64","shape":[3],"data_offsets":[0,24]}"#))
    }

    @Test func roundTripThroughFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try Data("stale".utf8).write(to: url)
        var writer = SafetensorsWriter()
        let weights = randomFloats(384 * 3, seed: 11)
        try writer.add(name: "w", dtype: .f32, shape: [3, 384], floats: weights)
        try writer.add(name: "h", dtype: .bf16, shape: [384, 3], floats: weights)
        try writer.write(to: url)
        let file = try SafetensorsFile(url: url)
        #expect(file.name == url.path)
        #expect(file.metadata.isEmpty)
        #expect(try file.tensor("w") == Tensor(shape: [3, 384], values: weights))
        let h = try file.floats("h")
        #expect(zip(h, weights).allSatisfy { abs($0 - $1) <= abs($1) / 256 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
    }

    @Test func rejectsInvalidInput() throws {
        var writer = SafetensorsWriter()
        try writer.add(name: "x", dtype: .f16, shape: [2], floats: [1, 2])
        #expect(expectModelFilesError { try writer.add(name: "x", dtype: .f16, shape: [2], floats: [1, 2]) }
            == .duplicateTensor(file: "SafetensorsWriter", name: "x"))
        let dtype = expectModelFilesError { try writer.add(name: "i", dtype: .i32, shape: [1], floats: [1]) }
        #expect(dtype?.description == "SafetensorsWriter: tensor 'i' has unsupported dtype 'I32'")
        let count = expectModelFilesError { try writer.add(name: "c", dtype: .f32, shape: [2, 2], floats: [1]) }
        #expect(count?.description == "SafetensorsWriter: tensor 'c': 1 values given for shape [2, 2]")
        _ = expectModelFilesError { try writer.add(name: "n", dtype: .f32, shape: [-1], floats: []) }
        _ = expectModelFilesError { try writer.add(name: "b", dtype: .u8, shape: [3], bytes: [1]) }
        _ = expectModelFilesError { try writer.add(name: "__metadata__", dtype: .u8, shape: [1], bytes: [1]) }
        _ = expectModelFilesError { try writer.add(name: "o", dtype: .f32, shape: [1 << 62, 4], bytes: []) }
    }
}
