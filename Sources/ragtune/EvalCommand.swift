import ArgumentParser

/// `ragtune eval …`: measured evaluations on a user's data.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate retrieval (BEIR metrics) and question answering (EM, F1, citations) on your data.",
        subcommands: [EvalRetrievalCommand.self, EvalQACommand.self])
}
