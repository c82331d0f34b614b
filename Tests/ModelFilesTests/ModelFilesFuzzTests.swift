import Foundation
import Testing
import RagTuneTensor
@testable import RagTuneModelFiles

/// Deterministic fuzzing of both readers, starting from small valid files made by the writers:
/// every truncation, random byte flips, and hostile values written over counts and lengths.
/// Every input must either parse (and then read every tensor) or throw a `ModelFilesError`
/// that names the file; nothing may crash, hang or allocate what a count claims.
@Suite struct ModelFilesFuzzTests {
    static let interesting: [UInt64] = [0, 1, 7, 0x7F, 0xFF, 1 << 31, 1 << 32, 1 << 60, 1 << 62,
                                        UInt64(Int.max), UInt64(Int.max) + 1, .max]
    /// Mutated inputs per random-flip test (each parse takes microseconds).
    static let flipRounds = 10_000

    /// Parses `bytes` as GGUF. Returns true when it parsed.
    @discardableResult
    func checkGGUF(_ bytes: [UInt8], _ context: @autoclosure () -> String) -> Bool {
        let file: GGUFFile
        do {
            file = try GGUFFile(bytes: bytes, name: "fuzz.gguf")
        } catch let error as ModelFilesError {
            #expect(error.file == "fuzz.gguf" && error.description.hasPrefix("fuzz.gguf: "), "\(context())")
            return false
        } catch {
            Issue.record("\(context()): not a ModelFilesError: \(error)")
            return false
        }
        // A file that parsed must be fully readable.
        do {
            for tensor in file.tensors {
                #expect(try file.floats(tensor.name).count == tensor.elementCount)
                #expect(tensor.offset + tensor.byteCount <= bytes.count)
            }
        } catch {
            Issue.record("\(context()): parsed, but reading a tensor failed: \(error)")
        }
        for key in file.metadataKeys {
            _ = try? file.int(key)
            _ = try? file.stringArray(key)
        }
        return true
    }

    /// Parses `bytes` as safetensors. Returns true when it parsed.
    @discardableResult
    func checkSafetensors(_ bytes: [UInt8], _ context: @autoclosure () -> String) -> Bool {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(bytes: bytes, name: "fuzz.safetensors")
        } catch let error as ModelFilesError {
            #expect(error.file == "fuzz.safetensors" && error.description.hasPrefix("fuzz.safetensors: "), "\(context())")
            return false
        } catch {
            Issue.record("\(context()): not a ModelFilesError: \(error)")
            return false
        }
        for name in file.tensorNames {
            let info = file.info(name)!
            #expect(info.byteRange.upperBound <= bytes.count)
            if info.dtype.quantType != nil {
                #expect((try? file.floats(name).count) == info.elementCount, "\(context())")
            }
        }
        return true
    }

    @Test func ggufTruncations() throws {
        let bytes = try Fixtures.ggufBytes()
        let original = try GGUFFile(bytes: bytes, name: "fuzz.gguf")
        let dataEnd = original.tensors.map { $0.offset + $0.byteCount }.max()!
        for length in 0..<bytes.count {
            let parsed = checkGGUF(Array(bytes[0..<length]), "truncated to \(length)")
            // Only trailing padding after the last tensor's data may be cut.
            #expect(parsed == (length >= dataEnd), "truncated to \(length) of \(bytes.count)")
        }
    }

    @Test func ggufRandomFlips() throws {
        let bytes = try Fixtures.ggufBytes()
        var rng = SplitMix64(seed: 0x6767_7566)
        var parsed = 0
        for round in 0..<Self.flipRounds {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                mutated[Int.random(in: 0..<mutated.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if checkGGUF(mutated, "flip round \(round)") { parsed += 1 }
        }
        // Flips in tensor data and many metadata values are harmless; header flips are not.
        #expect(parsed > 100 && parsed < Self.flipRounds)
    }

    @Test func ggufHostileValues() throws {
        let bytes = try Fixtures.ggufBytes()
        var rng = SplitMix64(seed: 0x686F_7374)
        // Random 8- and 4-byte fields overwritten with boundary values.
        for round in 0..<5000 {
            var mutated = bytes
            let value = Self.interesting.randomElement(using: &rng)!
            let width = Bool.random(using: &rng) ? 8 : 4
            let position = Int.random(in: 0...(mutated.count - width), using: &rng)
            for i in 0..<width { mutated[position + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            checkGGUF(mutated, "value \(value) at \(position) round \(round)")
        }
        // Targeted: counts, a string length, an array length and dimensions.
        func patched(_ offset: Int, _ value: UInt64) -> [UInt8] {
            var mutated = bytes
            for i in 0..<8 { mutated[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            return mutated
        }
        let stringsKey = try #require(find(Array("test.strings".utf8), in: bytes)) + 12
        let tensorName = try #require(find(Array("f32.weight".utf8), in: bytes)) + 10
        let cases: [(String, Int, UInt64)] = [
            ("tensor count 2^60", 8, 1 << 60), ("metadata count 2^62", 16, 1 << 62),
            ("first key length 2^62", 24, 1 << 62), ("first key length max", 24, .max),
            ("array length huge", stringsKey + 8, 1 << 61), ("array length max", stringsKey + 8, .max),
            ("dims overflow", tensorName + 4, 1 << 40), ("dims overflow 2", tensorName + 12, 1 << 40),
            ("dim max", tensorName + 4, .max),
        ]
        for (label, offset, value) in cases {
            #expect(!checkGGUF(patched(offset, value), label), "\(label)")
        }
        // Both dimensions of f32.weight at 2^40: the product 2^80 overflows.
        var overflow = patched(tensorName + 4, 1 << 40)
        for i in 0..<8 { overflow[tensorName + 12 + i] = UInt8(truncatingIfNeeded: UInt64(1 << 40) >> (8 * UInt64(i))) }
        let error = expectModelFilesError { _ = try GGUFFile(bytes: overflow, name: "fuzz.gguf") }
        #expect(error?.description.contains("tensor 'f32.weight': element count of dimensions") == true)
    }

    @Test func safetensorsTruncations() throws {
        let bytes = try Fixtures.safetensorsBytes()
        for length in 0..<bytes.count {
            #expect(!checkSafetensors(Array(bytes[0..<length]), "truncated to \(length)"), "truncated to \(length)")
        }
        #expect(checkSafetensors(bytes, "original"))
    }

    @Test func safetensorsRandomFlips() throws {
        let bytes = try Fixtures.safetensorsBytes()
        let headerEnd = 8 + Int(bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let jsonAlphabet = Array("{}[]\",:0123456789-.eE FBIU_ \\".utf8)
        var rng = SplitMix64(seed: 0x7361_6665)
        var parsed = 0
        for round in 0..<Self.flipRounds {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                // Mostly the JSON header, with characters that keep it nearly valid.
                let inHeader = Int.random(in: 0..<10, using: &rng) < 8
                let position = inHeader ? Int.random(in: 8..<headerEnd, using: &rng)
                                        : Int.random(in: 0..<mutated.count, using: &rng)
                mutated[position] = inHeader ? jsonAlphabet.randomElement(using: &rng)!
                                             : UInt8.random(in: 0...255, using: &rng)
            }
            if checkSafetensors(mutated, "flip round \(round)") { parsed += 1 }
        }
        #expect(parsed > 50 && parsed < Self.flipRounds)
    }

    @Test func safetensorsHostileLengths() throws {
        let bytes = try Fixtures.safetensorsBytes()
        for value in Self.interesting {
            var mutated = bytes
            for i in 0..<8 { mutated[i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            checkSafetensors(mutated, "header length \(value)")
        }
        let json = #"{"w":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],"data_offsets":[0,0]}}"#
        #expect(!checkSafetensors(rawSafetensors(json), "shape overflow"))
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
