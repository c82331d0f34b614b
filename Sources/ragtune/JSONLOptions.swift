import ArgumentParser

/// Input/output options shared by the JSONL commands.
struct JSONLOptions: ParsableArguments {
    @Option(name: .long, help: "JSONL input with a \"text\" field per line; - for stdin.")
    var input: String

    @Flag(help: "After the JSONL records, print one JSON summary object.")
    var json = false
}
