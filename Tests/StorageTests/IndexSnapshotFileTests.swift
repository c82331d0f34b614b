import Foundation
import Testing
@testable import RagTuneStorage

@Suite struct IndexSnapshotFileTests {
    private func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-snap-\(UUID().uuidString)/x.snapshot")
    }

    @Test func roundTripsAndMissingFileIsNil() throws {
        let url = temporaryFile()
        #expect(try IndexSnapshotFile.read(from: url) == nil)
        let original = IndexSnapshotFile(generation: 7, chunkIds: [3, -1, Int64.max], payload: Array(0...255))
        try original.write(to: url)
        let read = try #require(try IndexSnapshotFile.read(from: url))
        #expect(read.generation == 7 && read.chunkIds == [3, -1, Int64.max] && read.payload == Array(0...255))
    }

    @Test func everyTruncationAndByteFlipIsRejected() throws {
        let url = temporaryFile()
        try IndexSnapshotFile(generation: 1, chunkIds: [1, 2], payload: [9, 8, 7]).write(to: url)
        let bytes = [UInt8](try Data(contentsOf: url))
        for length in 0..<bytes.count {
            try Data(bytes[..<length]).write(to: url)
            #expect(throws: StorageError.self) { try IndexSnapshotFile.read(from: url) }
        }
        for position in bytes.indices {
            var flipped = bytes
            flipped[position] ^= 0x10
            try Data(flipped).write(to: url)
            #expect(throws: StorageError.self) { try IndexSnapshotFile.read(from: url) }
        }
    }
}
