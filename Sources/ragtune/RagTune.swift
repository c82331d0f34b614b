import ArgumentParser

/// The `ragtune` command: lists its subcommands, one file each.
@main
struct RagTune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ragtune",
        abstract: "RAG vs fine-tuning, measured on your own data, on CPU.",
        subcommands: [DemoCommand.self, ModelsCommand.self, TokenizeCommand.self, EmbedCommand.self,
                      GenerateCommand.self, ChatCommand.self, LogitsCommand.self, IndexCommand.self,
                      SearchCommand.self, RemoveCommand.self, AskCommand.self, EvalCommand.self,
                      BenchCommand.self, MergeCommand.self, FineTuneCommand.self]
    )
}
