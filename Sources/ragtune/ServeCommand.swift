import ArgumentParser
import Foundation

/// `ragtune serve`: replaces this process with the `ragtune-server` executable built beside it,
/// with the same arguments, unparsed (so `ragtune serve --help` is the server's own help). The server is its own executable so the CLI does not pay the HTTP
/// stack's build time; `swift build -c release` (README command 1) builds both.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "OpenAI-compatible HTTP API over SmolLM2, its adapters and MiniLM (`ragtune serve --help` lists its options).")

    @Argument(parsing: .allUnrecognized, help: "Arguments for ragtune-server (--config, --host, --port, …).")
    var arguments: [String] = []

    init() {}

    /// The command for `arguments` as given after `serve` (`RagTune.main` hands them over unparsed).
    init(arguments: [String]) {
        self.arguments = arguments
    }

    func run() throws {
        let server = Self.serverExecutable()
        guard FileManager.default.isExecutableFile(atPath: server) else {
            throw ValidationError("""
                the server is a separate executable, not found at \(server); \
                build it with: swift build -c release --product ragtune-server
                """)
        }
        let argv = ([server] + arguments).map { strdup($0) } + [nil]
        execv(server, argv)
        throw ValidationError("cannot run \(server): \(String(cString: strerror(errno)))")
    }

    /// `ragtune-server` in the folder of this executable.
    static func serverExecutable() -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("ragtune-server").path
    }
}
