import ArgumentParser

/// `--json`, shared by every command that reports one result: the result is printed as one JSON
/// object on stdout (its keys are a contract), while progress and logs stay on stderr. The JSONL
/// commands use `JSONLOptions`, whose `--json` adds a summary after the records.
struct JSONOutputOptions: ParsableArguments {
    @Flag(help: "Print the result as one JSON object on stdout (no streaming; progress and logs go to stderr).")
    var json = false
}
