import ArgumentParser
import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneTokenizers

/// `ragtune tokenize --model minilm|smollm2 --input FILE.jsonl`
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print token ids for each {\"text\"} line as JSONL {\"text\", \"ids\"}.",
        discussion: "minilm: WordPiece with [CLS]/[SEP], truncated to 256. smollm2: byte-level BPE, no BOS added. "
            + "Text is plain (as documents and messages are tokenized): [SEP] or <|im_start|> written in it stay "
            + "characters unless --parse-special is given.")

    @Option(help: "minilm or smollm2")
    var model: ModelChoice

    @OptionGroup var io: JSONLOptions

    @Flag(name: .customLong("parse-special"), help: "Turn special tokens written in the text ([SEP], <|im_start|>) into their ids.")
    var parseSpecial = false

    func run() throws {
        let texts = try JSONLines(path: io.input).texts()
        let directory = ModelDirectory()
        let encode: (String) -> [Int]
        switch model {
        case .minilm:
            let tokenizer = try WordPieceTokenizer(
                tokenizerJSON: directory.file("tokenizer.json", of: ModelCatalog.minilm), maxLength: 256)
            encode = { [parseSpecial] in tokenizer.encode($0, parseSpecial: parseSpecial) }
        case .smollm2:
            let gguf = try GGUFFile(url: directory.file(ModelCatalog.smollm2.weightsFile, of: ModelCatalog.smollm2))
            let tokenizer = try BPETokenizer(gguf: gguf)
            encode = { [parseSpecial] in tokenizer.encode($0, parseSpecial: parseSpecial) }
        }
        let out = try OutputSink(path: nil)
        var total = 0
        for text in texts {
            let ids = encode(text)
            total += ids.count
            try out.line("{\"text\": \(JSONText.string(text)), \"ids\": \(JSONText.ints(ids))}")
        }
        if io.json { try out.line(JSONText.encode(["summary": TokenizeSummary(lines: texts.count, tokens: total, model: model.rawValue)])) }
        try out.commit()
    }
}

/// The summary line after `tokenize --json`'s records.
struct TokenizeSummary: Encodable {
    var lines: Int
    var tokens: Int
    var model: String
}
