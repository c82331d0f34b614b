import Foundation
import Testing
import RagTuneTestSupport
import RagTuneModels
import RagTuneStorage
@testable import ragtune

/// Regression tests for issue 13: each reproduces a probe that misbehaved (exit 0 on failure,
/// silent data loss, a crash) through the real binary, as a user or a script would see it.
@Suite(.serialized) struct RobustnessTests {
    /// What a run of the binary did.
    struct Outcome {
        var status: Int32
        var signaled: Bool
        var stdout: String
        var stderr: String
    }

    /// Runs `ragtune arguments` through `/bin/sh`, with `redirect` (e.g. `>/dev/full`, `<&-`)
    /// applied to the command.
    static func run(_ binary: URL, _ arguments: [String], redirect: String = "", in directory: URL? = nil,
                    within seconds: Double = 120) throws -> Outcome {
        let process = Process(), output = Pipe(), errors = Pipe()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec \"$0\" \"$@\" \(redirect)", binary.path] + arguments
        if let directory { process.currentDirectoryURL = directory }
        if redirect.contains(">") { process.standardOutput = FileHandle.nullDevice } else { process.standardOutput = output }
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // A regression may hang (the unbounded --threads did): kill the run after `seconds` (120 s).
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog)
        defer { watchdog.cancel() }
        let out = redirect.contains(">") ? Data() : output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                       stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    static func folder(_ files: [String: String] = [:]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-robust-\(UUID().uuidString)")
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static var miniLM: Bool { TestModels.shouldRun(ModelCatalog.minilm) }

    static var binary: URL? { IndexCommandTests.builtBinary() }

    // MARK: - No model needed

    /// 13.4: `--threads 100000` started 32,432 threads; it is now refused before anything runs.
    @Test(.enabled(if: binary != nil, "the ragtune binary is not built")) func threadCountsAreBounded() throws {
        let binary = try #require(Self.binary)
        for arguments in [["generate", "--threads", "100000", "Hi"], ["index", "--store", "s", "x", "--threads", "0"],
                          ["embed", "--input", "x", "--threads", "99999"], ["bench", "embed", "--threads", "1,100000"]] {
            let started = Date()
            let outcome = try Self.run(binary, arguments)
            #expect(outcome.status != 0 && !outcome.signaled, "\(arguments)")
            #expect(outcome.stderr.contains("--threads"), "\(arguments): \(outcome.stderr)")
            #expect(Date().timeIntervalSince(started) < 20)
        }
    }

    /// 13.13: negative numbers reach their option and get its range error, not "Missing value".
    @Test(.enabled(if: binary != nil, "the ragtune binary is not built")) func negativeNumbersGetRangeErrors() throws {
        let binary = try #require(Self.binary)
        let search = try Self.run(binary, ["search", "--store", "s.sqlite", "-k", "-5", "query"])
        #expect(search.status != 0 && search.stderr.contains("-k must be at least 1"), "\(search.stderr)")
        let generate = try Self.run(binary, ["generate", "--max-tokens", "-1", "Hi"])
        #expect(generate.status != 0 && generate.stderr.contains("--max-tokens must be at least 1"), "\(generate.stderr)")
        let neighbours = try Self.run(binary, ["ask", "--store", "s.sqlite", "--neighbours", "9", "Who?"])
        #expect(neighbours.status != 0 && neighbours.stderr.contains("--neighbours must be in 0...8"), "\(neighbours.stderr)")
        let both = try Self.run(binary, ["ask", "--store", "s.sqlite", "--neighbours", "1", "--compress-sentences", "2", "Who?"])
        #expect(both.status != 0 && both.stderr.contains("use one"), "\(both.stderr)")
        #expect(RagTune.attachingNegativeNumbers(["-k", "-5", "--seed", "3", "--", "-2"]) == ["-k=-5", "--seed", "3", "--", "-2"])
        #expect(RagTune.attachingNegativeNumbers(["--temperature", "-0.5", "--json", "x"]) == ["--temperature=-0.5", "--json", "x"])
    }

    /// 13.8: a reader given a typo'd store path fails and creates nothing.
    @Test(.enabled(if: binary != nil, "the ragtune binary is not built")) func readersDoNotCreateStores() throws {
        let binary = try #require(Self.binary)
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let typo = dir.appendingPathComponent("kb.sqlit").path
        for arguments in [["search", "--store", typo, "--mode", "bm25", "q"], ["remove", "--store", typo, "a"]] {
            let outcome = try Self.run(binary, arguments)
            #expect(outcome.status != 0 && outcome.stderr.contains("no store at \(typo)"), "\(arguments): \(outcome.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// 13.10–13.12: closed stdin, a folder as input, a file as output folder, an index whose only
    /// input is missing: clear errors and non-zero exits, no crash.
    @Test(.enabled(if: binary != nil, "the ragtune binary is not built")) func unusableInputsAreClearErrors() throws {
        let binary = try #require(Self.binary)
        let dir = try Self.folder(["in.jsonl": #"{"text": "hello"}"#, "taken": "a file"])
        defer { try? FileManager.default.removeItem(at: dir) }
        for arguments in [["tokenize", "--model", "minilm", "--input", "-"], ["embed", "--input", "-"],
                          ["logits", "--input", "-"], ["generate", "--messages-file", "-"]] {
            let outcome = try Self.run(binary, arguments, redirect: "<&-")
            #expect(outcome.status == 1 && !outcome.signaled, "\(arguments)")
            #expect(outcome.stderr.contains("standard input is closed"), "\(arguments): \(outcome.stderr)")
        }
        let folderInput = try Self.run(binary, ["tokenize", "--model", "minilm", "--input", dir.path])
        #expect(folderInput.status == 1 && folderInput.stderr.contains("\(dir.path): is a folder, not a file"))
        let job = dir.appendingPathComponent("job.yaml")
        try Data("data_path: \(dir.appendingPathComponent("in.jsonl").path)\noutput_dir: \(dir.appendingPathComponent("taken").path)\n".utf8)
            .write(to: job)
        let finetune = try Self.run(binary, ["finetune", "--config", job.path])
        #expect(finetune.status != 0 && finetune.stderr.contains("output_dir") && finetune.stderr.contains("is a file, not a folder"),
                "\(finetune.stderr)")
        let store = dir.appendingPathComponent("s.sqlite").path
        let index = try Self.run(binary, ["index", "--store", store, dir.appendingPathComponent("missing").path])
        #expect(index.status == 1 && index.stderr.contains("no such file"), "\(index.stderr)")
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    // MARK: - With MiniLM

    /// Whether `/dev/full` is the character device that fails every write. (Before this fix,
    /// `embed --output /dev/full` run as root replaced it with a regular file through Foundation's
    /// atomic `createFile`; a machine where that happened cannot run the test.)
    static var devFullIsADevice: Bool {
        (try? FileManager.default.attributesOfItem(atPath: "/dev/full")[.type] as? FileAttributeType) == .typeCharacterSpecial
    }

    /// 13.6: output to a full device is an error naming where it went, never exit 0.
    @Test(.enabled(if: binary != nil && miniLM, "needs the ragtune binary and minilm"),
          .enabled(if: devFullIsADevice, "/dev/full is not a character device on this machine (restore it: mknod -m 666 /dev/full c 1 7)"))
    func failedWritesAreErrors() throws {
        let binary = try #require(Self.binary)
        let dir = try Self.folder(["in.jsonl": #"{"text": "hello"}"# + "\n", "kb/a.txt": "Alpha reactors hum quietly."])
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.jsonl").path
        let tokenize = try Self.run(binary, ["tokenize", "--model", "minilm", "--input", input], redirect: ">/dev/full")
        #expect(tokenize.status == 1 && tokenize.stderr.contains("cannot write to standard output"), "\(tokenize.stderr)")
        let embed = try Self.run(binary, ["embed", "--input", input, "--output", "/dev/full"])
        #expect(embed.status == 1 && embed.stderr.contains("cannot write to /dev/full") && !embed.stderr.contains("embedded"),
                "\(embed.stderr)")
        let store = dir.appendingPathComponent("s.sqlite").path
        #expect(try Self.run(binary, ["index", "--store", store, dir.appendingPathComponent("kb").path]).status == 0)
        let search = try Self.run(binary, ["search", "--store", store, "--mode", "bm25", "--json", "alpha"], redirect: ">/dev/full")
        #expect(search.status == 1 && search.stderr.contains("cannot write to standard output"), "\(search.stderr)")
        // --output replaces a file only when complete: a good file survives a failed rewrite.
        let output = dir.appendingPathComponent("vectors.jsonl")
        #expect(try Self.run(binary, ["embed", "--input", input, "--output", output.path]).status == 0)
        let good = try Data(contentsOf: output)
        #expect(try Self.run(binary, ["embed", "--input", dir.path, "--output", output.path]).status == 1)
        #expect(try Data(contentsOf: output) == good)
        #expect(Self.devFullIsADevice, "writing to /dev/full must never replace the device")
    }

    /// 13.1 and 13.2 end to end: a file that gains an ACL is no longer shown to anyone; broken
    /// front matter is a failed file that leaves the stored version alone.
    @Test(.enabled(if: binary != nil && miniLM, "needs the ragtune binary and minilm")) func aclChangesReachSearch() throws {
        let binary = try #require(Self.binary)
        let dir = try Self.folder(["kb/plan.md": "# Plan\nThe research board meets on Tuesdays to plan the budget.\n"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.sqlite").path, kb = dir.appendingPathComponent("kb")
        let search = ["search", "--store", store, "--mode", "bm25", "--json", "research board budget"]
        #expect(try Self.run(binary, ["index", "--store", store, kb.path]).status == 0)
        #expect(try Self.run(binary, search).stdout.contains("plan.md"))
        try Data("---\nacl: [research-board]\n---\n# Plan\nThe research board meets on Tuesdays to plan the budget.\n".utf8)
            .write(to: kb.appendingPathComponent("plan.md"))
        let reindex = try Self.run(binary, ["index", "--store", store, kb.path, "--json"])
        #expect(reindex.status == 0 && reindex.stdout.contains("\"updated\":1"), "\(reindex.stdout)")
        #expect(!(try Self.run(binary, search).stdout.contains("plan.md")), "the ACL change must reach search")
        #expect(try Self.run(binary, search + ["--user", "research-board"]).stdout.contains("plan.md"))
        try Data("---\nacl: [research-board\n---\n# Plan\nSecret.\n".utf8).write(to: kb.appendingPathComponent("plan.md"))
        let broken = try Self.run(binary, ["index", "--store", store, kb.path])
        #expect(broken.status == 1 && broken.stderr.contains("plan.md") && broken.stderr.contains("YAML"), "\(broken.stderr)")
        #expect(try SQLiteStore(path: store, mode: .readOnly).chunks().allSatisfy { $0.acl == ["research-board"] })
    }

    /// 13.5 end to end: two folders with a `readme.md` are refused together (exit 1, both named),
    /// and `--id-prefix` lets them share the store.
    @Test(.enabled(if: binary != nil && miniLM, "needs the ragtune binary and minilm")) func duplicateIdsAreRefused() throws {
        let binary = try #require(Self.binary)
        let dir = try Self.folder(["x/readme.md": "X readme text.", "y/readme.md": "Y readme text."])
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.sqlite").path
        let x = dir.appendingPathComponent("x").path, y = dir.appendingPathComponent("y").path
        let both = try Self.run(binary, ["index", "--store", store, x, y])
        #expect(both.status == 1 && both.stderr.contains("\(x)/readme.md") && both.stderr.contains("\(y)/readme.md"), "\(both.stderr)")
        #expect(try Self.run(binary, ["index", "--store", store, x]).status == 0)
        let later = try Self.run(binary, ["index", "--store", store, y])
        #expect(later.status == 1 && later.stderr.contains("already stored from \(x)/readme.md"), "\(later.stderr)")
        #expect(try Self.run(binary, ["index", "--store", store, "--id-prefix", "y/", y]).status == 0)
        #expect(try SQLiteStore(path: store, mode: .readOnly).documents().map(\.id) == ["readme.md", "y/readme.md"])
    }

    /// 13.9: a store another user owns, read-only on disk (file 444, folder 555), is searched by an
    /// unprivileged user. Runs as root only (to switch to `nobody`).
    @Test(.enabled(if: binary != nil && miniLM, "needs the ragtune binary and minilm"),
          .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "needs root and setpriv to search as an unprivileged user"))
    func readOnlyStoreIsSearchableByAnotherUser() throws {
        let binary = try #require(Self.binary)
        let dir = try Self.folder(["kb/a.txt": "Alpha reactors hum quietly.", "kb/b.txt": "Bees make honey."])
        defer {
            _ = try? Self.run(URL(fileURLWithPath: "/bin/chmod"), ["-R", "u+w", dir.path])
            try? FileManager.default.removeItem(at: dir)
        }
        let storeDir = dir.appendingPathComponent("store")
        let store = storeDir.appendingPathComponent("kb.sqlite").path
        #expect(try Self.run(binary, ["index", "--store", store, dir.appendingPathComponent("kb").path]).status == 0)
        // A copy of the binary the unprivileged user can run (the build folder may not be reachable).
        let copy = dir.appendingPathComponent("ragtune")
        try FileManager.default.copyItem(at: binary, to: copy)
        let manager = FileManager.default
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        for file in try manager.subpathsOfDirectory(atPath: storeDir.path) {
            try manager.setAttributes([.posixPermissions: 0o444], ofItemAtPath: storeDir.appendingPathComponent(file).path)
        }
        try manager.setAttributes([.posixPermissions: 0o555], ofItemAtPath: store + ".indexes")
        try manager.setAttributes([.posixPermissions: 0o555], ofItemAtPath: storeDir.path)
        let search = try Self.run(URL(fileURLWithPath: "/usr/bin/setpriv"),
                                  ["--reuid=65534", "--regid=65534", "--clear-groups", copy.path,
                                   "search", "--store", store, "--mode", "bm25", "--json", "bees honey"], in: dir)
        #expect(search.status == 0, "\(search.stderr)")
        #expect(search.stdout.contains("b.txt"), "\(search.stdout)")
    }
}
