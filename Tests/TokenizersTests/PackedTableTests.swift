import Testing
@testable import RagTuneTokenizers

@Suite struct PackedTableTests {
    @Test func growsAndKeepsTheFirstValue() {
        var table = PackedTable()
        for key in 0..<10_000 {
            let inserted = table.insertIfAbsent(UInt64(key) &* 0x1_0000_0001, UInt64(key))
            #expect(inserted)
        }
        let replaced = table.insertIfAbsent(0x1_0000_0001 * 7, 99)
        #expect(!replaced)
        #expect(table.count == 10_000)
        for key in 0..<10_000 {
            #expect(table.value(for: UInt64(key) &* 0x1_0000_0001) == UInt64(key))
        }
        #expect(table.value(for: 3) == nil)
    }
}
