import RagTuneTensor

/// The parsed and validated header of a GGUF file (everything before the data section).
struct GGUFHeader {
    static let magic: [UInt8] = Array("GGUF".utf8)
    /// Arrays of arrays deeper than this are rejected (bounds recursion on hostile input).
    static let maxArrayNesting = 8
    /// Smallest tensor info: name length (8) + n_dims (4) + type (4) + offset (8).
    static let minTensorInfoBytes = 24
    /// Smallest key/value: key length (8) + type (4) + a one-byte value.
    static let minKeyValueBytes = 13
    /// Upfront reservations are capped: counts are checked against the remaining bytes, but
    /// a parsed value is larger than its encoding (a uint8 becomes a 24-byte `GGUFValue`), so
    /// storage grows with what actually parses rather than with what a count claims.
    static let maxReservation = 1 << 16

    var version: UInt32 = 0
    var alignment = GGUFFile.defaultAlignment
    var metadata: [String: GGUFValue] = [:]
    var metadataKeys: [String] = []
    var tensors: [GGUFTensorInfo] = []
    var dataOffset = 0

    init(parsing bytes: UnsafeRawBufferPointer, file: String) throws {
        var reader = ByteReader(bytes, file: file)
        guard bytes.count >= 4, Array(bytes[0..<4]) == Self.magic else {
            throw ModelFilesError.badMagic(file: file, expected: "GGUF", found: Array(bytes.prefix(4)))
        }
        _ = try reader.read(UInt32.self, "magic")
        version = try reader.read(UInt32.self, "version")
        try Self.checkVersion(version, file: file)

        let tensorCount = try reader.readLength("tensor count")
        let keyValueCount = try reader.readLength("metadata count")
        guard keyValueCount <= reader.remaining / Self.minKeyValueBytes else {
            throw ModelFilesError.invalidHeader(file: file, reason: "metadata count \(keyValueCount) needs at least "
                + "\(Self.minKeyValueBytes) bytes each but only \(reader.remaining) bytes remain")
        }
        try Self.checkTensorCount(tensorCount, reader)

        metadata.reserveCapacity(min(keyValueCount, Self.maxReservation))
        metadataKeys.reserveCapacity(min(keyValueCount, Self.maxReservation))
        for i in 0..<keyValueCount {
            let key = try reader.readString("key of metadata entry #\(i)")
            let typeID = try reader.read(UInt32.self, "type of metadata '\(key)'")
            let value = try Self.readValue(&reader, typeID: typeID, key: key, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw ModelFilesError.duplicateKey(file: file, key: key)
            }
            metadataKeys.append(key)
        }
        alignment = try Self.alignment(metadata, file: file)

        try Self.checkTensorCount(tensorCount, reader)
        tensors.reserveCapacity(min(tensorCount, Self.maxReservation))
        var relative: [(name: String, dimensions: [Int], type: QuantType, offset: Int, byteCount: Int, count: Int)] = []
        relative.reserveCapacity(min(tensorCount, Self.maxReservation))
        var names = Set<String>()
        for i in 0..<tensorCount {
            let name = try reader.readString("name of tensor #\(i)")
            guard names.insert(name).inserted else { throw ModelFilesError.duplicateTensor(file: file, name: name) }
            let info = try Self.readTensorInfo(&reader, name: name, alignment: alignment, file: file)
            relative.append((name, info.dimensions, info.type, info.offset, info.byteCount, info.count))
        }

        // The data section starts at the next multiple of the alignment.
        let (padded, overflow) = reader.offset.addingReportingOverflow(alignment - 1)
        dataOffset = overflow ? Int.max : padded & ~(alignment - 1)
        if tensorCount > 0, dataOffset > bytes.count {
            throw ModelFilesError.truncated(file: file, what: "data section (aligned to \(alignment))",
                                            offset: reader.offset, needed: dataOffset - reader.offset, size: bytes.count)
        }
        for t in relative {
            let (start, overflow) = dataOffset.addingReportingOverflow(t.offset)
            guard !overflow, start <= bytes.count, t.byteCount <= bytes.count - start else {
                throw ModelFilesError.tensorOutOfBounds(file: file, tensor: t.name, offset: overflow ? t.offset : start,
                                                        byteCount: t.byteCount, size: bytes.count)
            }
            tensors.append(GGUFTensorInfo(name: t.name, dimensions: t.dimensions, type: t.type, offset: start,
                                          relativeOffset: t.offset, byteCount: t.byteCount, elementCount: t.count))
        }
        try Self.checkOverlaps(tensors, file: file)
    }

    private static func checkVersion(_ version: UInt32, file: String) throws {
        switch version {
        case 2, 3:
            return
        case 1:
            throw ModelFilesError.unsupportedVersion(
                file: file, version: 1, reason: "GGUF v1 (32-bit counts) is not supported; re-convert the model")
        case _ where version.byteSwapped == 2 || version.byteSwapped == 3:
            throw ModelFilesError.unsupportedVersion(
                file: file, version: version.byteSwapped, reason: "the file is big-endian; only little-endian GGUF is supported")
        default:
            throw ModelFilesError.unsupportedVersion(file: file, version: version, reason: "only GGUF v2 and v3 are supported")
        }
    }

    private static func checkTensorCount(_ count: Int, _ reader: ByteReader) throws {
        guard count <= reader.remaining / minTensorInfoBytes else {
            throw ModelFilesError.invalidHeader(file: reader.file, reason: "tensor count \(count) needs at least "
                + "\(minTensorInfoBytes) bytes each but only \(reader.remaining) bytes remain")
        }
    }

    /// `general.alignment`: any integer type holding a nonzero power of two.
    private static func alignment(_ metadata: [String: GGUFValue], file: String) throws -> Int {
        guard let value = metadata["general.alignment"] else { return GGUFFile.defaultAlignment }
        guard let alignment = value.intValue, alignment > 0, alignment & (alignment - 1) == 0 else {
            throw ModelFilesError.invalidMetadata(file: file, key: "general.alignment",
                                                  reason: "must be a nonzero power of two, got \(value)")
        }
        return alignment
    }

    private static func readTensorInfo(
        _ reader: inout ByteReader, name: String, alignment: Int, file: String
    ) throws -> (dimensions: [Int], type: QuantType, offset: Int, byteCount: Int, count: Int) {
        let dimensionCount = try reader.read(UInt32.self, "dimension count of tensor '\(name)'")
        guard dimensionCount <= GGUFFile.maxDimensions else {
            throw ModelFilesError.invalidTensor(file: file, tensor: name, reason:
                "has \(dimensionCount) dimensions; at most \(GGUFFile.maxDimensions) are supported")
        }
        var dimensions: [Int] = []
        var count = 1, overflow = false
        for d in 0..<Int(dimensionCount) {
            let raw = try reader.read(UInt64.self, "dimension \(d) of tensor '\(name)'")
            guard let dimension = Int(exactly: raw) else {
                throw ModelFilesError.invalidTensor(file: file, tensor: name, reason: "dimension \(d) is \(raw), too large")
            }
            dimensions.append(dimension)
            if !overflow { (count, overflow) = count.multipliedReportingOverflow(by: dimension) }
        }
        guard !overflow else {
            throw ModelFilesError.invalidTensor(file: file, tensor: name,
                                                reason: "element count of dimensions \(dimensions) overflows")
        }
        let typeID = try reader.read(UInt32.self, "type of tensor '\(name)'")
        guard let type = QuantType(rawValue: typeID) else {
            throw ModelFilesError.unknownTensorType(file: file, tensor: name, typeID: typeID)
        }
        let rowLength = dimensions.first ?? 1
        guard rowLength % type.blockSize == 0 else {
            throw ModelFilesError.invalidTensor(file: file, tensor: name, reason: "row length \(rowLength) is not a "
                + "multiple of the \(type) block size \(type.blockSize)")
        }
        guard let byteCount = type.byteCount(elements: count) else {
            throw ModelFilesError.invalidTensor(file: file, tensor: name,
                                                reason: "byte size of \(count) \(type) elements overflows")
        }
        let offset = try reader.readLength("offset of tensor '\(name)'")
        guard offset % alignment == 0 else {
            throw ModelFilesError.invalidTensor(file: file, tensor: name,
                                                reason: "data offset \(offset) is not a multiple of the alignment \(alignment)")
        }
        return (dimensions, type, offset, byteCount, count)
    }

    private static func checkOverlaps(_ tensors: [GGUFTensorInfo], file: String) throws {
        let sorted = tensors.filter { $0.byteCount > 0 }.sorted { $0.offset < $1.offset }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where next.offset < previous.offset + previous.byteCount {
            throw ModelFilesError.invalidTensor(file: file, tensor: next.name, reason:
                "data at offset \(next.offset) overlaps tensor '\(previous.name)' "
                + "[offset \(previous.offset), \(previous.byteCount) bytes]")
        }
    }

    /// One metadata value of type `typeID`; arrays recurse up to `maxArrayNesting` levels.
    private static func readValue(
        _ reader: inout ByteReader, typeID: UInt32, key: String, depth: Int
    ) throws -> GGUFValue {
        guard let type = GGUFValueType(rawValue: typeID) else {
            throw ModelFilesError.invalidMetadata(file: reader.file, key: key, reason: "unknown value type id \(typeID)")
        }
        let what = { "value of metadata '\(key)'" }  // built only for an error
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, what()))
        case .int8: return .int8(try reader.read(Int8.self, what()))
        case .uint16: return .uint16(try reader.read(UInt16.self, what()))
        case .int16: return .int16(try reader.read(Int16.self, what()))
        case .uint32: return .uint32(try reader.read(UInt32.self, what()))
        case .int32: return .int32(try reader.read(Int32.self, what()))
        case .uint64: return .uint64(try reader.read(UInt64.self, what()))
        case .int64: return .int64(try reader.read(Int64.self, what()))
        case .float32: return .float32(try reader.readFloat(what()))
        case .float64: return .float64(try reader.readDouble(what()))
        case .string: return .string(try reader.readString(what()))
        case .bool:
            let byte = try reader.read(UInt8.self, what())
            guard byte <= 1 else {
                throw ModelFilesError.invalidMetadata(file: reader.file, key: key, reason: "bool byte is \(byte), not 0 or 1")
            }
            return .bool(byte == 1)
        case .array:
            guard depth < maxArrayNesting else {
                throw ModelFilesError.invalidMetadata(file: reader.file, key: key,
                                                      reason: "arrays nested deeper than \(maxArrayNesting) levels")
            }
            let elementTypeID = try reader.read(UInt32.self, "element type of metadata '\(key)'")
            guard let elementType = GGUFValueType(rawValue: elementTypeID) else {
                throw ModelFilesError.invalidMetadata(file: reader.file, key: key,
                                                      reason: "unknown array element type id \(elementTypeID)")
            }
            let count = try reader.readLength("element count of metadata '\(key)'")
            guard count <= reader.remaining / elementType.minimumByteCount else {
                throw ModelFilesError.invalidMetadata(file: reader.file, key: key, reason: "array of \(count) "
                    + "\(elementType) elements needs at least \(elementType.minimumByteCount) bytes each "
                    + "but only \(reader.remaining) bytes remain")
            }
            var elements: [GGUFValue] = []
            elements.reserveCapacity(min(count, maxReservation))
            for _ in 0..<count {
                elements.append(try readValue(&reader, typeID: elementTypeID, key: key, depth: depth + 1))
            }
            return .array(elements)
        }
    }
}
