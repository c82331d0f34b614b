import ArgumentParser
import RagTuneTensor

/// `--threads N`, shared by every command that computes: checked against `ThreadLimit`.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Worker threads (1 to 4 × the logical cores).")
    var threads: Int = 2

    func validate() throws {
        if let problem = ThreadLimit.problem(with: threads) { throw ValidationError(problem) }
    }
}
