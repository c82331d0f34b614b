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
        let original = IndexSnapshotFile(store: 0xfeed, generation: 7, chunkIds: [3, -1, Int64.max], payload: Array(0...255))
        try original.write(to: url)
        let read = try #require(try IndexSnapshotFile.read(from: url))
        #expect(read.store == 0xfeed && read.generation == 7 && read.chunkIds == [3, -1, Int64.max] && read.payload == Array(0...255))
    }

    @Test func filesOfTheFirstLayoutReadAsOfAnUnknownStore() throws {
        let url = temporaryFile()
        try IndexSnapshotFile(store: 0xfeed, generation: 7, chunkIds: [3], payload: [1, 2]).write(to: url)
        // The first layout: "RTSNAP01" and no store field, with its own checksum.
        var bytes = Array("RTSNAP01".utf8) + [UInt8](try Data(contentsOf: url))[16..<(try Data(contentsOf: url).count - 8)]
        let checksum = bytes.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        bytes += (0..<8).map { UInt8(truncatingIfNeeded: checksum >> (8 * UInt64($0))) }
        try Data(bytes).write(to: url)
        let read = try #require(try IndexSnapshotFile.read(from: url))
        #expect(read.store == 0 && read.generation == 7 && read.chunkIds == [3] && read.payload == [1, 2])
    }

    @Test func everyTruncationAndByteFlipIsRejected() throws {
        let url = temporaryFile()
        try IndexSnapshotFile(store: 5, generation: 1, chunkIds: [1, 2], payload: [9, 8, 7]).write(to: url)
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
