/// GPT-2's reversible byte ↔ character mapping (`bytes_to_unicode` in OpenAI's `encoder.py`):
/// printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100…U+0143, so every
/// byte sequence is a string of visible characters (`Ġ` is a space, `Ċ` a newline).
public enum ByteLevelEncoding {
    /// Scalar value for each byte.
    public static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// Byte for each scalar value below 324, or -1.
    static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (byte, scalar) in byteToScalar.enumerated() { table[Int(scalar)] = Int16(byte) }
        return table
    }()

    /// The byte-level string of one byte, as it appears in the vocabulary.
    static func string(for byte: UInt8) -> String {
        String(Character(Unicode.Scalar(byteToScalar[Int(byte)])!))
    }

    /// The bytes a byte-level vocabulary string stands for. Characters outside the mapping
    /// (not produced by GPT-2 vocabularies) stand for their own UTF-8 bytes.
    static func bytes(of token: String) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            let v = Int(scalar.value)
            if v < scalarToByte.count && scalarToByte[v] >= 0 {
                bytes.append(UInt8(scalarToByte[v]))
            } else {
                bytes.append(contentsOf: String(scalar).utf8)
            }
        }
        return bytes
    }
}
