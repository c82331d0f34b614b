/// Turns GGUF merge lines into a `PackedTable` of symbol ids.
struct MergeTableBuilder {
    private(set) var merges: PackedTable
    private(set) var byteSymbols: [Int32] = []       // [256]
    private(set) var extraSymbolBytes: [[UInt8]] = []

    init(tokenIds: [String: Int], vocabularySize: Int, merges lines: [String], source: String) throws {
        var extraIds = [String: Int32]()
        var extraBytes = [[UInt8]]()
        func symbol(_ text: String) -> Int32 {
            if let id = tokenIds[text] { return Int32(id) }
            if let id = extraIds[text] { return id }
            let id = Int32(vocabularySize + extraBytes.count)
            extraIds[text] = id
            extraBytes.append(ByteLevelEncoding.bytes(of: text))
            return id
        }
        var table = PackedTable(expectedCount: lines.count)
        for (rank, line) in lines.enumerated() {
            // As llama.cpp: split at the first space after the first byte.
            guard let space = line.utf8.dropFirst().firstIndex(of: 0x20) else {
                throw TokenizerError.invalidField(file: source, field: "tokenizer.ggml.merges[\(rank)]",
                                                  value: line.debugDescription, expected: "two tokens separated by a space")
            }
            let left = String(line[..<space]), right = String(line[line.utf8.index(after: space)...])
            let key = UInt64(UInt32(symbol(left))) << 32 | UInt64(UInt32(symbol(right)))
            table.insertIfAbsent(key, UInt64(rank) << 32 | UInt64(UInt32(symbol(left + right))))
        }
        byteSymbols = (0...255).map { symbol(ByteLevelEncoding.string(for: UInt8($0))) }
        merges = table
        extraSymbolBytes = extraBytes
    }
}
