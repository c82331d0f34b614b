import ArgumentParser
import Foundation

/// The `ragtune` command: lists its subcommands, one file each.
@main
struct RagTune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ragtune",
        abstract: "RAG vs fine-tuning, measured on your own data, on CPU.",
        subcommands: [DemoCommand.self, ModelsCommand.self, TokenizeCommand.self, EmbedCommand.self,
                      GenerateCommand.self, ChatCommand.self, LogitsCommand.self, IndexCommand.self,
                      SearchCommand.self, RemoveCommand.self, AskCommand.self, EvalCommand.self,
                      BenchCommand.self, MergeCommand.self, FineTuneCommand.self, ReaderDataCommand.self,
                      CompareCommand.self, ServeCommand.self, KeysCommand.self]
    )

    /// Parses (negative numbers attached to their options, see `attachingNegativeNumbers`), runs the
    /// command, then checks that everything written to stdout reached it: a full disk or
    /// `/dev/full` is an error and a non-zero exit, never a silent loss.
    static func main() async {
        do {
            let arguments = Array(CommandLine.arguments.dropFirst())
            // `serve` is the server executable's to parse (its own --help included)
            if arguments.first == "serve" { try ServeCommand(arguments: Array(arguments.dropFirst())).run() }
            var command = try parseAsRoot(attachingNegativeNumbers(arguments))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            try StandardOutput.flush()
        } catch {
            if !(error is OutputError), (try? StandardOutput.flush()) == nil {
                logError("Error: \(OutputError.errno(StandardOutput.name))")
            }
            exit(withError: error)
        }
    }

    /// `--max-tokens -1` becomes `--max-tokens=-1` (and `-k -5` becomes `-k=-5`), so that a negative
    /// number reaches its option and gets the option's range error instead of ArgumentParser's
    /// "Missing value". Only a token that is a whole or decimal number is attached, and only to a
    /// preceding option-like token without a value of its own.
    static func attachingNegativeNumbers(_ arguments: [String]) -> [String] {
        var result: [String] = []
        for argument in arguments {
            if isNegativeNumber(argument), let previous = result.last, previous.hasPrefix("-"), previous != "--",
               !previous.contains("="), !isNegativeNumber(previous), !result.contains("--") {
                result[result.count - 1] = previous + "=" + argument
            } else {
                result.append(argument)
            }
        }
        return result
    }

    private static func isNegativeNumber(_ token: String) -> Bool {
        token.count >= 2 && token.hasPrefix("-") && Double(token) != nil
    }
}
