import ArgumentParser

/// `ragtune eval …`: measured evaluations on a user's data.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate retrieval (BEIR metrics) on a corpus, queries and qrels.",
        subcommands: [EvalRetrievalCommand.self])
}
