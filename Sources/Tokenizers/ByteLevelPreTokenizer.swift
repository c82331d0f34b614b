/// Splits text into the pieces byte-level BPE merges within, following llama.cpp's
/// `unicode_regex_split` for the GPT-2 family.
///
/// The pattern is GPT-2's
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, matched by hand:
/// a whitespace run before a non-space character gives up its last character (a space then joins
/// the next word; other whitespace becomes a piece of its own). With `splitsDigits` (llama.cpp
/// `smollm`), `\p{N}` is split off first, so every digit is a piece and a boundary for the regex.
/// Whitespace is llama.cpp's set (ASCII `\t\n\v\f\r` and space, U+0085, U+00A0, U+1680,
/// U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000); letters and numbers are Unicode L* and N*.
struct ByteLevelPreTokenizer: Sendable {
    /// Whether every `\p{N}` character is a piece of its own (llama.cpp pre-tokenizer `smollm`).
    var splitsDigits: Bool

    enum CharacterClass: UInt8 {
        case end = 0, letter, number, whitespace, other
    }

    /// Per-call buffers, reused between calls on the same thread.
    struct Scratch {
        var classes: [CharacterClass] = []  // [scalars]
        var offsets: [Int32] = []           // [scalars + 1] byte offset of each scalar, then the end
    }

    /// Calls `body` with the byte range of each piece of `bytes[range]` (valid UTF-8), in order.
    func forEachPiece(in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, scratch: inout Scratch,
                      _ body: (Range<Int>) -> Void) {
        classify(bytes, range, &scratch)
        let classes = scratch.classes
        let count = classes.count
        scratch.offsets.withUnsafeBufferPointer { offsets in
            func emit(_ from: Int, _ to: Int) { body(Int(offsets[from])..<Int(offsets[to])) }
            if !splitsDigits {
                splitGPT2(bytes, classes, offsets, 0..<count, emit)
                return
            }
            var start = 0
            for i in 0..<count where classes[i] == .number {
                if start < i { splitGPT2(bytes, classes, offsets, start..<i, emit) }
                emit(i, i + 1)
                start = i + 1
            }
            if start < count { splitGPT2(bytes, classes, offsets, start..<count, emit) }
        }
    }

    /// The GPT-2 pattern on scalars `fragment`, whose end behaves as the end of the text.
    private func splitGPT2(_ bytes: UnsafeBufferPointer<UInt8>, _ classes: [CharacterClass],
                           _ offsets: UnsafeBufferPointer<Int32>, _ fragment: Range<Int>,
                           _ emit: (Int, Int) -> Void) {
        let end = fragment.upperBound
        func first(_ i: Int) -> UInt8 { bytes[Int(offsets[i])] }  // the scalar itself when ASCII
        func cls(_ i: Int) -> CharacterClass { i < end ? classes[i] : .end }
        var i = fragment.lowerBound
        while i < end {
            let c = first(i)
            // 's|'t|'re|'ve|'m|'ll|'d
            if c == UInt8(ascii: "'") && i + 1 < end {
                let c1 = first(i + 1)
                if c1 == UInt8(ascii: "s") || c1 == UInt8(ascii: "t") || c1 == UInt8(ascii: "m") || c1 == UInt8(ascii: "d") {
                    emit(i, i + 2)
                    i += 2
                    continue
                }
                if i + 2 < end {
                    let c2 = first(i + 2)
                    if (c1 == UInt8(ascii: "r") && c2 == UInt8(ascii: "e")) || (c1 == UInt8(ascii: "v") && c2 == UInt8(ascii: "e"))
                        || (c1 == UInt8(ascii: "l") && c2 == UInt8(ascii: "l")) {
                        emit(i, i + 3)
                        i += 3
                        continue
                    }
                }
            }
            //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+
            let space = c == 0x20
            let kind = space ? cls(i + 1) : classes[i]
            if kind == .letter || kind == .number || kind == .other {
                var j = space ? i + 1 : i
                while j < end && classes[j] == kind { j += 1 }
                emit(i, j)
                i = j
                continue
            }
            // \s+(?!\S) | \s+
            var j = i
            while j < end && classes[j] == .whitespace { j += 1 }
            if j == i { j = i + 1 }  // unreachable: every scalar has a class
            if j - i > 1 && j < end { j -= 1 }
            emit(i, j)
            i = j
        }
    }

    /// Fills `scratch` with the class and byte offset of each scalar of `bytes[range]`.
    private func classify(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ scratch: inout Scratch) {
        scratch.classes.removeAll(keepingCapacity: true)
        scratch.offsets.removeAll(keepingCapacity: true)
        var i = range.lowerBound
        while i < range.upperBound {
            scratch.offsets.append(Int32(truncatingIfNeeded: i))
            let b0 = UInt32(bytes[i])
            if b0 < 0x80 {
                scratch.classes.append(Self.asciiClasses[Int(b0)])
                i += 1
                continue
            }
            var value: UInt32
            if b0 < 0xE0 {
                value = (b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                i += 2
            } else if b0 < 0xF0 {
                value = (b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                i += 3
            } else {
                value = (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12
                value |= UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F)
                i += 4
            }
            scratch.classes.append(Self.classOf(nonASCII: value))
        }
        scratch.offsets.append(Int32(truncatingIfNeeded: range.upperBound))
    }

    private static let asciiClasses: [CharacterClass] = (0..<128).map { v in
        switch v {
        case 0x09...0x0D, 0x20: return .whitespace
        case 0x30...0x39: return .number
        case 0x41...0x5A, 0x61...0x7A: return .letter
        default: return .other
        }
    }

    private static func classOf(nonASCII value: UInt32) -> CharacterClass {
        switch value {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return .whitespace
        default:
            break
        }
        guard let scalar = Unicode.Scalar(value) else { return .other }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }
}
