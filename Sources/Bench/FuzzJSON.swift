import RagTuneModelFiles
import RagTuneTensor

/// A JSON document as the fuzzer edits it: object members keep their order (and duplicates),
/// numbers keep their text, and `raw` splices text that is not JSON at all.
indirect enum FuzzJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([FuzzJSON])
    case object([Member])
    case raw(String)

    struct Member: Equatable, Sendable {
        var key: String
        var value: FuzzJSON
    }

    static func obj(_ pairs: KeyValuePairs<String, FuzzJSON>) -> FuzzJSON {
        .object(pairs.map { Member(key: $0.key, value: $0.value) })
    }

    // MARK: - Parsing

    /// Parses strict JSON (nil when the text is not JSON or nests deeper than 64).
    init?(parsing bytes: [UInt8]) {
        var parser = Parser(bytes: bytes)
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipSpace()
        guard parser.i == bytes.count else { return nil }
        self = value
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func literal(_ word: String) -> Bool {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { return false }
            i += w.count
            return true
        }

        mutating func value(depth: Int) -> FuzzJSON? {
            guard depth < 64 else { return nil }
            skipSpace()
            guard i < bytes.count else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "\""): return string().map(FuzzJSON.string)
            case UInt8(ascii: "["):
                i += 1
                var items: [FuzzJSON] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    guard let item = value(depth: depth + 1) else { return nil }
                    items.append(item)
                    skipSpace()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    return nil
                }
            case UInt8(ascii: "{"):
                i += 1
                var members: [Member] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\""), let key = string() else { return nil }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                    i += 1
                    guard let item = value(depth: depth + 1) else { return nil }
                    members.append(Member(key: key, value: item))
                    skipSpace()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                    return nil
                }
            default:
                let start = i
                while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
                guard i > start, let text = String(validating: bytes[start..<i], as: UTF8.self) else { return nil }
                return .number(text)
            }
        }

        /// A string literal (at `"`); escapes decoded, lone surrogates become U+FFFD.
        mutating func string() -> String? {
            i += 1
            var scalars = String.UnicodeScalarView(), raw: [UInt8] = []
            func flush() -> Bool {
                guard let text = String(validating: raw, as: UTF8.self) else { return false }
                scalars.append(contentsOf: text.unicodeScalars)
                raw.removeAll()
                return true
            }
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                if b == UInt8(ascii: "\"") { return flush() ? String(scalars) : nil }
                guard b == UInt8(ascii: "\\") else { raw.append(b); continue }
                guard flush(), i < bytes.count else { return nil }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{C}")
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16)
                    else { return nil }
                    i += 4
                    var scalar = Unicode.Scalar(code)
                    if (0xD800..<0xDC00).contains(code), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"),
                       bytes[i + 1] == UInt8(ascii: "u"),
                       let low = UInt32(String(decoding: bytes[(i + 2)..<(i + 6)], as: UTF8.self), radix: 16),
                       (0xDC00..<0xE000).contains(low) {
                        scalar = Unicode.Scalar(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
                        i += 6
                    }
                    scalars.append(scalar ?? "\u{FFFD}")
                default: scalars.append(Unicode.Scalar(e))
                }
            }
            return nil
        }
    }

    // MARK: - Writing

    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    var bytes: [UInt8] { Array(text.utf8) }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n), .raw(let n): out += n
        case .string(let s): out += Self.quoted(s)
        case .array(let items):
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += ", " }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (k, member) in members.enumerated() {
                if k > 0 { out += ", " }
                out += Self.quoted(member.key) + ": "
                member.value.write(to: &out)
            }
            out += "}"
        }
    }

    static func quoted(_ s: String) -> String { JSONLiteral.string(s) }

    // MARK: - Mutating

    private var children: [FuzzJSON] {
        switch self {
        case .array(let items): return items
        case .object(let members): return members.map(\.value)
        default: return []
        }
    }

    /// Paths (child indices) to every node, this one first.
    private func paths(_ prefix: [Int] = []) -> [[Int]] {
        [prefix] + children.enumerated().flatMap { $1.paths(prefix + [$0]) }
    }

    private func updating(_ path: ArraySlice<Int>, _ change: (FuzzJSON) -> FuzzJSON) -> FuzzJSON {
        guard let first = path.first else { return change(self) }
        switch self {
        case .array(var items):
            items[first] = items[first].updating(path.dropFirst(), change)
            return .array(items)
        case .object(var members):
            members[first].value = members[first].value.updating(path.dropFirst(), change)
            return .object(members)
        default: return self
        }
    }

    /// An interesting value of any type.
    static func interesting(_ rng: inout SplitMix64) -> FuzzJSON {
        switch rng.below(9) {
        case 0: return .null
        case 1: return .bool(rng.chance(0.5))
        case 2: return .number(rng.pick(FuzzDictionary.numbers))
        case 3: return .raw(rng.pick(FuzzDictionary.invalidJSONNumbers))
        case 4, 5: return .string(rng.pick(FuzzDictionary.texts))
        case 6: return rng.chance(0.5) ? .array([]) : .object([])
        case 7: // deep nesting, closed or not
            let depth = rng.pick([100, 1000, 10_000])
            return .raw(String(repeating: "[", count: depth) + (rng.chance(0.7) ? String(repeating: "]", count: depth) : ""))
        default: return .string("\\ud800 \u{FFFD}" + String(repeating: "é", count: rng.below(300)))
        }
    }

    /// This document with one node changed: replaced, retyped, or (objects, arrays, strings,
    /// numbers) edited in place.
    func mutated(_ rng: inout SplitMix64, keys: [String] = []) -> FuzzJSON {
        let all = paths()
        let path = all[rng.below(all.count)]
        return updating(path[...]) { node in
            if rng.chance(0.25) { return Self.interesting(&rng) }
            switch node {
            case .object(var members):
                switch rng.below(6) {
                case 0 where !members.isEmpty: members.remove(at: rng.below(members.count))
                case 1 where !members.isEmpty: members.append(members[rng.below(members.count)]) // duplicate key
                case 2 where !members.isEmpty:
                    let k = rng.below(members.count), key = members[k].key
                    members[k].key = rng.pick([key.uppercased(), key + "_", "", " " + key, key + "\u{0}", "__proto__"] + keys)
                case 3: members.append(Member(key: keys.isEmpty ? "unknown" : rng.pick(keys), value: Self.interesting(&rng)))
                case 4 where members.count >= 2: members.swapAt(rng.below(members.count), rng.below(members.count))
                default: return .array(members.map(\.value))
                }
                return .object(members)
            case .array(var items):
                switch rng.below(5) {
                case 0 where !items.isEmpty: items.remove(at: rng.below(items.count))
                case 1 where !items.isEmpty: items.insert(items[rng.below(items.count)], at: rng.below(items.count + 1))
                case 2 where !items.isEmpty: // many copies, never past ByteMutator.maxBytes
                    let item = items[rng.below(items.count)]
                    items = Array(repeating: item, count: min(1 + rng.below(500), ByteMutator.maxBytes / max(1, item.text.utf8.count)))
                case 3: items.insert(Self.interesting(&rng), at: rng.below(items.count + 1))
                default: return .object(items.enumerated().map { Member(key: "\($0.offset)", value: $0.element) })
                }
                return .array(items)
            case .string(let s):
                switch rng.below(5) {
                case 0: return .string(s + rng.pick(FuzzDictionary.texts))
                case 1: return .string(rng.pick(FuzzDictionary.texts) + s)
                case 2: return .number(Double(s).map { "\($0)" } ?? rng.pick(FuzzDictionary.numbers))
                case 3: return .array([.string(s)])
                default: return .string(String(repeating: s.isEmpty ? "x" : s, count: min(1 + rng.below(50),
                                                                                           ByteMutator.maxBytes / max(1, s.utf8.count))))
                }
            case .number(let n):
                switch rng.below(4) {
                case 0: return .string(n)
                case 1: return .number(n.hasPrefix("-") ? String(n.dropFirst()) : "-" + n)
                case 2: return .number(n + rng.pick(["0000000000", ".5", "e300", "e-300"]))
                default: return .number(rng.pick(FuzzDictionary.numbers))
                }
            case .bool(let b): return rng.chance(0.5) ? .string(b ? "true" : "false") : .number(b ? "1" : "0")
            case .null: return .string("null")
            case .raw: return Self.interesting(&rng)
            }
        }
    }
}
