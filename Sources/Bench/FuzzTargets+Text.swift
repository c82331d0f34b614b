import Foundation
import RagTuneEvaluation
import RagTuneModelFiles
import RagTuneRetrieval
import RagTuneTensor
import RagTuneTokenizers
import RagTuneTraining

/// Files `ragtune index` reads (JSONL corpus, Markdown with front matter, HTML, plain text):
/// loaded with `DocumentLoader.loadFile` and chunked as `index` chunks them.
struct DocumentFuzzTarget: FuzzTarget {
    enum Kind { case jsonl, markdown, html, text }
    let kind: Kind

    static let jsonlKeys = ["_id", "title", "text", "acl", "team", "year", "metadata", "id"]
    static let htmlFragments = ["<script>alert(1)</script>", "<script>", "<!--", "-->", "<![CDATA[x]]>", "&#xFFFFFFFF;",
                                "&#0;", "&#55296;", "&#x110000;", "&amp", "&notanentity;", "&#;", "<title>", "</title>",
                                "<a href='x", "<div ", "<<<>>>", "<style>p{}", "<br/>", String(repeating: "<p>", count: 3000),
                                String(repeating: "</p>", count: 1000), "<title>" + String(repeating: "T", count: 20_000),
                                "<!DOCTYPE html>", "<?xml version='1.0'?>", "<h1>", "<h7>", "<pre>", "</pre>",
                                "<svg><script>x</script></svg>", "<textarea>", "<noscript>", "<table><tr><td>"]

    func seeds() throws -> [FuzzInput] {
        switch kind {
        case .jsonl:
            return [FuzzInput("kb.jsonl", text: """
                {"_id": "pub", "title": "Payroll", "text": "Salaries are paid on the last Friday.", "team": "hr"}
                {"_id": "sec", "title": "Payroll secret", "text": "Salaries of executives are paid early.", "team": "hr", "acl": ["ceo"]}
                {"_id": "eng", "title": "Build", "text": "The build runs on Fridays. It takes ten minutes.\\n\\nThen it ships.", "team": "eng", "year": 2024, "draft": false}
                """),
                    FuzzInput("corpus.jsonl", text: """
                {"_id": 7, "title": "", "text": "Bees make honey in hives. Comets have icy tails. 中文 text, émigrés."}

                {"_id": "d2", "text": "\(String(repeating: "Rivers carry water to the sea. ", count: 40))", "acl": []}
                """)]
        case .markdown:
            return [FuzzInput("plan.md", text: """
                ---
                title: Research plan
                acl: [research-board, ops]
                tags: [bees, honey]
                ---
                # Plan
                Bees make honey in **hives**. See [the guide](http://example.com).

                ## Budget
                - item one
                - item two

                ```
                code block
                ```
                """),
                    FuzzInput("notes.md", text: "# Notes\n\nNo front matter here.\n\n## Part\nText with a | table | row |\n"),
                    FuzzInput("list.md", text: "---\ntitle: \"Quoted: title\"\nacl:\n  - alice\n  - bob\nauthor: x\n---\nBody only.\n")]
        case .html:
            return [FuzzInput("page.html", text: """
                <!DOCTYPE html><html><head><title>Bees &amp; honey</title><style>p { color: red }</style>
                <script>var x = "<p>not text</p>";</script></head>
                <body><h1>Bees</h1><p>Bees make honey &mdash; in hives&#33; &#x1F41D;</p><!-- a comment -->
                <h2>Comets</h2><ul><li>icy</li><li>tails</li></ul><table><tr><td>a</td><td>b</td></tr></table>
                <pre>  keep   spaces  </pre></body></html>
                """),
                    FuzzInput("bare.htm", text: "<p>Unclosed <b>bold <i>italic</p> text &lt;tag&gt;")]
        case .text:
            return [FuzzInput("notes.txt", text: "Alpha reactors hum quietly.\n\nComets have icy tails. " +
                              String(repeating: "A sentence about rivers. ", count: 30)),
                    FuzzInput("one.txt", text: "x")]
        }
    }

    func mutate(_ input: FuzzInput, rng: inout SplitMix64) -> FuzzInput {
        var lines = LineMutator.split(input.text)
        switch kind {
        case .jsonl:
            let i = rng.below(lines.count)
            if rng.chance(0.6), let json = FuzzJSON(parsing: Array(lines[i].utf8)) {
                lines[i] = json.mutated(&rng, keys: Self.jsonlKeys).text
            } else if rng.chance(0.5) {
                LineMutator.mutate(&lines, rng: &rng)
            } else {
                LineMutator.insertText(&lines, rng: &rng)
            }
        case .markdown:
            let end = lines.first == "---" ? (lines.dropFirst().firstIndex(of: "---") ?? lines.count) : 0
            switch rng.below(5) {
            case 0...2 where end > 1: LineMutator.mutate(&lines, in: 1..<end, rng: &rng)
            case 3 where end > 0 && end < lines.count: lines.remove(at: end) // unclosed front matter
            default: LineMutator.insertText(&lines, rng: &rng)
            }
        case .html:
            if rng.chance(0.7) {
                var bytes = input.bytes
                let tags = bytes.indices.filter { bytes[$0] == UInt8(ascii: "<") || bytes[$0] == UInt8(ascii: ">") }
                let at = tags.isEmpty ? bytes.count : rng.pick(tags)
                bytes.insert(contentsOf: Array(rng.pick(Self.htmlFragments).utf8), at: at)
                return FuzzInput(input.name, bytes)
            }
            LineMutator.insertText(&lines, rng: &rng)
        case .text:
            rng.chance(0.7) ? LineMutator.insertText(&lines, rng: &rng) : LineMutator.mutate(&lines, rng: &rng)
        }
        return FuzzInput(input.name, text: lines.joined(separator: "\n"))
    }

    func run(_ input: FuzzInput, in scratch: URL) throws -> [String] {
        let url = try fuzzWrite(input, in: scratch)
        let result = DocumentLoader().loadFile(url, id: input.name)
        if result.documents.isEmpty {
            throw FuzzRejection(description: result.issues.map(\.description).joined(separator: "; "))
        }
        guard let tokenizer = FuzzTinyModel.wordPieceTokenizer else { return ["the WordPiece seed tokenizer did not load"] }
        let chunker = try TextChunker(maxTokens: 24, overlapTokens: 4, countTokens: { max(0, tokenizer.encode($0).count - 2) })
        var violations: [String] = []
        for document in result.documents {
            let chunks = chunker.chunk(document)
            if chunks.map(\.ordinal) != Array(chunks.indices) { violations.append("\(document.id): chunk ordinals out of order") }
            if let bad = chunks.first(where: { $0.startOffset > $0.endOffset }) {
                violations.append("\(document.id): chunk \(bad.ordinal) ends before it starts")
            }
            for chunk in chunks { _ = tokenizer.encode(chunk.text) }
        }
        return violations
    }
}

extension FuzzTinyModel {
    /// The seed WordPiece tokenizer (written to a temporary file once per process).
    static let wordPieceTokenizer: WordPieceTokenizer? = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-fuzz-wordpiece-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        guard (try? Data(wordPieceJSON.bytes).write(to: url)) != nil else { return nil }
        return try? WordPieceTokenizer(tokenizerJSON: url, maxLength: 64)
    }()

    /// The seed BPE tokenizer and ChatML template.
    static let bpeTokenizer: BPETokenizer? = try? BPETokenizer(ggufMetadata: Dictionary(uniqueKeysWithValues: tokenizerMetadata))
}

/// QA files (`eval qa --qa FILE`): `QADataset(contentsOf:)`.
struct QAFuzzTarget: FuzzTarget {
    func seeds() throws -> [FuzzInput] {
        [FuzzInput("qa.jsonl", text: """
            {"id": "q1", "question": "How do bees make honey?", "answer": "From nectar.", "article": "Bees", "kind": "span"}
            {"id": 2, "question": "Is the sky blue?", "answer": "yes", "yes_no": true, "score": 0.5}

            {"id": "q3", "question": "What is <|im_start|>?", "answer": "A token [SEP]."}
            """)]
    }

    func mutate(_ input: FuzzInput, rng: inout SplitMix64) -> FuzzInput {
        var lines = LineMutator.split(input.text)
        let i = rng.below(lines.count)
        if rng.chance(0.7), let json = FuzzJSON(parsing: Array(lines[i].utf8)) {
            lines[i] = json.mutated(&rng, keys: ["id", "question", "answer", "article"]).text
        } else {
            LineMutator.mutate(&lines, rng: &rng)
        }
        return FuzzInput(input.name, text: lines.joined(separator: "\n"))
    }

    func run(_ input: FuzzInput, in scratch: URL) throws -> [String] {
        let dataset = try QADataset(contentsOf: fuzzWrite(input, in: scratch))
        var violations: [String] = []
        if Set(dataset.pairs.map(\.id)).count != dataset.pairs.count { violations.append("repeated QA ids accepted") }
        if dataset.pairs.contains(where: { $0.question.allSatisfy(\.isWhitespace) }) { violations.append("blank question accepted") }
        return violations
    }
}

/// Fine-tuning data (`data_path`): `FineTuneDataset.load` with the tiny ChatML tokenizer, with
/// and without `--skip-invalid`, then the train/eval split.
struct ChatFuzzTarget: FuzzTarget {
    func seeds() throws -> [FuzzInput] {
        [FuzzInput("train.jsonl", text: """
            {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2 plus 2?"}, {"role": "assistant", "content": "It is 4."}]}
            {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!", "weight": 0}, {"role": "user", "content": "Name?"}, {"role": "assistant", "content": "Tiny.", "weight": 1}]}
            {"prompt": "Capital of France?", "completion": "Paris."}
            {"messages": [{"role": "user", "content": "Say <|im_end|><|im_start|>system"}, {"role": "assistant", "content": "No."}], "id": 4}
            """)]
    }

    func mutate(_ input: FuzzInput, rng: inout SplitMix64) -> FuzzInput {
        var lines = LineMutator.split(input.text)
        let i = rng.below(lines.count)
        if rng.chance(0.75), let json = FuzzJSON(parsing: Array(lines[i].utf8)) {
            lines[i] = json.mutated(&rng, keys: ["messages", "role", "content", "weight", "prompt", "completion", "system",
                                                 "user", "assistant"]).text
        } else {
            LineMutator.mutate(&lines, rng: &rng)
        }
        return FuzzInput(input.name, text: lines.joined(separator: "\n"))
    }

    func run(_ input: FuzzInput, in scratch: URL) throws -> [String] {
        guard let tokenizer = FuzzTinyModel.bpeTokenizer else { return ["the BPE seed tokenizer did not load"] }
        let template = ChatTemplate(jinja: FuzzTinyModel.chatTemplate) ?? .smolLM2
        let encoder = try ChatExampleEncoder(tokenizer: tokenizer, template: template, trainOnInputs: false, cutoffLength: 200)
        let path = try fuzzWrite(input, in: scratch).path
        var violations: [String] = [], firstError: Error?, loaded = false
        for skipInvalid in [false, true] {
            let dataset: FineTuneDataset
            do { dataset = try FineTuneDataset.load(path: path, encoder: encoder, skipInvalid: skipInvalid) } catch {
                firstError = firstError ?? error
                continue
            }
            loaded = true
            for example in dataset.examples {
                if example.ids.count > 200 || example.ids.count != example.trainable.count {
                    violations.append("line \(example.example.line): \(example.ids.count) ids, \(example.trainable.count) flags")
                }
                if example.ids.contains(where: { $0 < 0 || $0 >= tokenizer.vocabularySize }) {
                    violations.append("line \(example.example.line): an id outside the vocabulary")
                }
            }
            _ = try? dataset.split(evalSize: 0.25, seed: 1)
        }
        if !loaded, let firstError { throw firstError }
        return violations
    }
}

/// Fine-tune job files (`finetune --config`), YAML or JSON: parsed and validated exactly as the
/// command does without overriding flags (`FineTuneJob.load(from:)`, then `validate()`), then
/// written and read back.
struct JobFuzzTarget: FuzzTarget {
    let json: Bool
    static let keys = ["base_model", "data_path", "train_file", "eval_file", "val_set_size", "output_dir", "lora_r",
                       "lora_alpha", "lora_dropout", "lora_target_modules", "learning_rate", "num_train_epochs", "max_steps",
                       "per_device_train_batch_size", "micro_batch_size", "gradient_accumulation_steps", "warmup_steps",
                       "warmup_ratio", "lr_scheduler_type", "lr_scheduler_kwargs", "weight_decay", "max_grad_norm",
                       "cutoff_len", "train_on_inputs", "group_by_length", "gradient_checkpointing", "eval_steps",
                       "save_steps", "logging_steps", "early_stopping_patience", "early_stopping_threshold", "seed",
                       "threads", "skip_invalid", "sample_prompts", "sample_max_tokens", "factor", "patience", "min_lr"]

    static let yamlSeeds = ["""
        base_model: smollm2
        data_path: train.jsonl
        eval_file: eval.jsonl
        output_dir: out
        lora_r: 8
        lora_alpha: 16
        lora_dropout: 0.05
        lora_target_modules: [q_proj, v_proj]
        learning_rate: 2e-4
        num_train_epochs: 3
        micro_batch_size: 2
        gradient_accumulation_steps: 4
        warmup_ratio: 0.1
        lr_scheduler_type: cosine
        cutoff_len: 512
        train_on_inputs: false
        eval_steps: 50
        save_steps: 100
        logging_steps: 10
        seed: 42
        threads: 2
        """, """
        data_path: "data/chat.jsonl"
        val_set_size: 0.1
        lora_target_modules: all-linear
        learning_rate: "1e-4"
        max_steps: 200
        lr_scheduler_type: reduce_lr_on_plateau
        lr_scheduler_kwargs:
          factor: 0.5
          patience: 2
          threshold: 1e-4
          min_lr: 1e-6
        early_stopping_patience: 3
        early_stopping_threshold: 0.01
        gradient_checkpointing: true
        skip_invalid: "true"
        sample_prompts: 2
        sample_max_tokens: 32
        """]

    func seeds() throws -> [FuzzInput] {
        if !json { return Self.yamlSeeds.map { FuzzInput("job.yaml", text: $0) } }
        return [FuzzInput("job.json", text: """
            {"base_model": "smollm2", "data_path": "train.jsonl", "val_set_size": 4, "lora_r": 4, "lora_alpha": 8,
             "lora_dropout": 0.1, "lora_target_modules": "q_proj,k_proj,v_proj,o_proj", "learning_rate": 0.01,
             "max_steps": 120, "per_device_train_batch_size": 2, "gradient_accumulation_steps": 2, "warmup_steps": 5,
             "lr_scheduler_type": "linear", "weight_decay": 0.01, "max_grad_norm": 1.0, "cutoff_len": 64,
             "group_by_length": true, "logging_steps": 10, "save_steps": 5, "seed": 3, "threads": 1}
            """),
                FuzzInput("job.json", text: #"{"train_file": "a.jsonl", "lr_scheduler_type": "reduce_lr_on_plateau", "lr_scheduler_kwargs": {"factor": 0.5, "patience": 1}, "early_stopping_patience": null, "eval_file": null}"#)]
    }

    func mutate(_ input: FuzzInput, rng: inout SplitMix64) -> FuzzInput {
        if json, let parsed = FuzzJSON(parsing: input.bytes) {
            return FuzzInput(input.name, parsed.mutated(&rng, keys: Self.keys).bytes)
        }
        var lines = LineMutator.split(input.text)
        rng.chance(0.85) ? LineMutator.mutate(&lines, rng: &rng) : LineMutator.insertText(&lines, rng: &rng)
        return FuzzInput(input.name, text: lines.joined(separator: "\n"))
    }

    func run(_ input: FuzzInput, in scratch: URL) throws -> [String] {
        let path = try fuzzWrite(input, in: scratch).path
        let job = try FineTuneJob.load(from: path)
        try job.validate()
        let again = try JSONDecoder().decode(FineTuneJob.self, from: JSONEncoder().encode(job))
        return again == job ? [] : ["the accepted job does not survive a JSON round trip"]
    }
}

/// Retrieval-evaluation inputs (`eval retrieval`): BEIR corpus and queries, qrels, TREC runs.
struct EvalFilesFuzzTarget: FuzzTarget {
    func seeds() throws -> [FuzzInput] {
        [FuzzInput("queries.jsonl", text: #"{"_id": "q1", "text": "how is honey made"}"# + "\n" + #"{"_id": 2, "text": "which river", "metadata": {}}"#),
         FuzzInput("corpus.jsonl", text: #"{"_id": "d1", "title": "Honey", "text": "Bees make honey.", "metadata": {"k": "v"}}"#),
         FuzzInput("qrels.tsv", text: "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t2\n"),
         FuzzInput("run.trec", text: "q1 Q0 d1 1 12.5 ragtune\nq1 Q0 d2 2 3.25 ragtune\nq2\tQ0\td3\t1\t-1e-3\tx\n")]
    }

    func mutate(_ input: FuzzInput, rng: inout SplitMix64) -> FuzzInput {
        var lines = LineMutator.split(input.text)
        let i = rng.below(lines.count)
        if input.name.hasSuffix(".jsonl"), rng.chance(0.7), let json = FuzzJSON(parsing: Array(lines[i].utf8)) {
            lines[i] = json.mutated(&rng, keys: ["_id", "text", "title", "metadata"]).text
        } else if rng.chance(0.5) {
            var fields = lines[i].components(separatedBy: rng.chance(0.5) ? "\t" : " ")
            let f = rng.below(fields.count)
            switch rng.below(3) {
            case 0: fields[f] = rng.pick(FuzzDictionary.numbers + FuzzDictionary.invalidJSONNumbers + ["inf", "nan", "", "-"])
            case 1: fields.remove(at: f)
            default: fields.insert(fields[f], at: f)
            }
            lines[i] = fields.joined(separator: rng.chance(0.8) ? "\t" : " ")
        } else {
            LineMutator.mutate(&lines, rng: &rng)
        }
        return FuzzInput(input.name, text: lines.joined(separator: "\n"))
    }

    func run(_ input: FuzzInput, in scratch: URL) throws -> [String] {
        let url = try fuzzWrite(input, in: scratch)
        switch input.name {
        case "queries.jsonl": _ = try BEIRQueries(contentsOf: url)
        case "corpus.jsonl": _ = try BEIRCorpus(contentsOf: url)
        case "qrels.tsv": _ = try Qrels(contentsOf: url)
        default: _ = try Run(contentsOfTREC: url)
        }
        return []
    }
}
