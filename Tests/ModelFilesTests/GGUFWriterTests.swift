import Foundation
import Testing
import RagTuneTensor
@testable import RagTuneModelFiles

@Suite struct GGUFWriterTests {
    /// Write to disk with every value type and several tensor types; read back equal.
    @Test func roundTripThroughFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("tiny.gguf")
        let writer = try Fixtures.ggufWriter()
        try writer.write(to: url)

        let file = try GGUFFile(url: url)
        #expect(file.name == url.path)
        #expect(file.version == 3)
        #expect(file.metadataKeys == writer.metadataKeys)
        #expect(file.metadata == writer.metadata)
        for pending in writer.tensors {
            let info = try #require(file.tensor(named: pending.name))
            #expect(info.dimensions == pending.dimensions && info.type == pending.type)
            #expect(try file.withTensorBytes(pending.name) { Array($0) } == pending.bytes)
        }
        // Only the destination remains: the temporary file was renamed.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["tiny.gguf"])
        // The in-memory serialization is the same bytes.
        #expect(try Array(Data(contentsOf: url)) == writer.serialized())
    }

    @Test func atomicWriteReplacesExistingFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.gguf")
        try Data("old contents".utf8).write(to: url)
        var writer = GGUFWriter()
        writer.setMetadata("general.name", .string("new"))
        try writer.write(to: url)
        #expect(try GGUFFile(url: url).requireString("general.name") == "new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.gguf"])

        let badURL = directory.appendingPathComponent("no/such/dir/x.gguf")
        let error = expectModelFilesError { try writer.write(to: badURL) }
        #expect(error?.file == badURL.path)
        #expect(error?.description.hasPrefix("\(badURL.path): write failed: cannot create") == true)
    }

    @Test func alignmentIsRecordedAndHonoured() throws {
        var writer = GGUFWriter(alignment: 64)
        try writer.addTensor(name: "a", dimensions: [3], type: .f32, floats: [1, 2, 3])
        try writer.addTensor(name: "b", dimensions: [32], type: .q8_0, floats: randomFloats(32, seed: 9))
        let file = try GGUFFile(bytes: writer.serialized(), name: "aligned.gguf")
        #expect(file.alignment == 64)
        #expect(file.metadata["general.alignment"] == .uint32(64))
        #expect(file.tensors.allSatisfy { $0.offset % 64 == 0 })
        #expect(try file.floats("a") == [1, 2, 3])
        #expect(file.tensors[1].relativeOffset == 64)
    }

    @Test func metadataKeepsFirstPosition() throws {
        var writer = GGUFWriter()
        writer.setMetadata("a", .uint8(1))
        writer.setMetadata("b", .uint8(2))
        writer.setMetadata("a", .string("again"))
        let file = try GGUFFile(bytes: writer.serialized(), name: "order.gguf")
        #expect(file.metadataKeys == ["a", "b"])
        #expect(file.metadata["a"] == .string("again"))
    }

    @Test func rejectsInvalidInput() throws {
        var writer = GGUFWriter()
        try writer.addTensor(name: "t", dimensions: [32], type: .q4_0, floats: randomFloats(32, seed: 1))
        #expect(expectModelFilesError {
            try writer.addTensor(name: "t", dimensions: [32], type: .q4_0, floats: randomFloats(32, seed: 1))
        } == .duplicateTensor(file: "GGUFWriter", name: "t"))
        let row = expectModelFilesError { try writer.addTensor(name: "r", dimensions: [16, 2], type: .q4_1, floats: []) }
        #expect(row?.description.contains("row length 16 is not a multiple of the Q4_1 block size 32") == true)
        let bytes = expectModelFilesError { try writer.addTensor(name: "b", dimensions: [32], type: .q8_0, bytes: [1, 2]) }
        #expect(bytes?.description == "GGUFWriter: tensor 'b': 2 bytes given; 32 Q8_0 elements need 34")
        let count = expectModelFilesError { try writer.addTensor(name: "c", dimensions: [4], type: .f32, floats: [1]) }
        #expect(count?.description.contains("1 values given for dimensions [4]") == true)
        _ = expectModelFilesError { try writer.addTensor(name: "d", dimensions: [1, 1, 1, 1, 1], type: .f32, floats: [1]) }
        _ = expectModelFilesError { try writer.addTensor(name: "e", dimensions: [-1], type: .f32, floats: []) }
        _ = expectModelFilesError { try writer.addTensor(name: "f", dimensions: [1 << 40, 1 << 40], type: .f32, floats: []) }

        var mixed = GGUFWriter()
        mixed.setMetadata("mixed", .array([.uint8(1), .string("x")]))
        let error = expectModelFilesError { _ = try mixed.serialized() }
        #expect(error?.description.hasPrefix("GGUFWriter: metadata 'mixed': array elements must all have one type") == true)

        var badAlignment = GGUFWriter()
        badAlignment.setMetadata("general.alignment", .uint32(24))
        _ = expectModelFilesError { _ = try badAlignment.serialized() }
    }
}
