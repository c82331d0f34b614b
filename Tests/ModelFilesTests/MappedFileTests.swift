import Foundation
import Testing
@testable import RagTuneModelFiles

@Suite struct MappedFileTests {
    @Test func mapsFileAndChecksRanges() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bytes.bin")
        try Data((0..<100).map { UInt8($0) }).write(to: url)
        let file = try MappedFile(url: url)
        #expect(file.count == 100 && file.name == url.path)
        #expect(try file.withUnsafeBytes(in: 10..<14) { Array($0) } == [10, 11, 12, 13])
        // Unaligned reads are fine.
        let word = try file.withUnsafeBytes(in: 1..<5) { $0.loadUnaligned(as: UInt32.self) }
        #expect(word == UInt32(littleEndian: 0x0403_0201))
        let error = expectModelFilesError { _ = try file.withUnsafeBytes(in: 90..<110, what: "tail") { $0.count } }
        #expect(error?.description == "\(url.path): tail [offset 90, 20 bytes] runs past end of file (size 100)")
    }

    /// Released pages read the file's bytes again; ranges outside the file are ignored.
    @Test func releasedPagesStillReadTheFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("pages.bin")
        let bytes = (0..<(5 * 4096 + 7)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: url)
        let file = try MappedFile(url: url)
        let before = file.withUnsafeBytes { Array($0) }
        file.release(100..<(4 * 4096 + 5))
        file.release(0..<file.count)
        file.release(-5..<1_000_000) // outside: ignored
        #expect(file.withUnsafeBytes { Array($0) } == before && before == bytes)
        MappedFile(bytes: [1, 2, 3], name: "copy").release(0..<3) // a private copy: no effect
    }

    @Test func emptyAndMissingFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty.gguf")
        #expect(FileManager.default.createFile(atPath: empty.path, contents: Data()))
        #expect(try MappedFile(url: empty).count == 0)
        let emptyError = expectModelFilesError { _ = try GGUFFile(url: empty) }
        #expect(emptyError?.file == empty.path)
        let emptySafetensors = expectModelFilesError { _ = try SafetensorsFile(url: empty) }
        #expect(emptySafetensors?.description.hasPrefix(empty.path) == true)

        let missing = directory.appendingPathComponent("missing.gguf")
        let missingError = expectModelFilesError { _ = try GGUFFile(url: missing) }
        #expect(missingError?.description == "\(missing.path): cannot open: No such file or directory")
        let dirError = expectModelFilesError { _ = try MappedFile(url: directory) }
        #expect(dirError == .cannotOpen(file: directory.path, reason: "not a regular file"))
    }

    @Test func inMemoryCopy() throws {
        let file = MappedFile(bytes: [1, 2, 3], name: "memory")
        #expect(file.withUnsafeBytes { Array($0) } == [1, 2, 3])
        #expect(MappedFile(bytes: [], name: "nothing").withUnsafeBytes { $0.count } == 0)
    }
}
