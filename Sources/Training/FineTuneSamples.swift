import RagTuneModels
import RagTuneTokenizers

/// Greedy generations on held-out prompts, with and without the trained adapter, through the
/// inference path (`TextGenerator` with the adapter applied unmerged).
struct FineTuneSamples: Sendable {
    /// Prompt messages and reference reply of each sample.
    let exchanges: [(prompt: [ChatMessage], reply: String)]
    let maxTokens: Int

    /// The first `count` eval examples (file order) that have a prompt.
    init(eval: [EncodedExample], count: Int, maxTokens: Int) {
        exchanges = Array(eval.compactMap(\.example.lastExchange).filter { !$0.prompt.isEmpty }.prefix(count))
        self.maxTokens = maxTokens
    }

    /// Greedy replies under `adapter` (nil: the base model).
    func generate(_ generator: TextGenerator, adapter: LoRAAdapter?) throws -> [String] {
        try generator.setAdapter(adapter)
        return try exchanges.map { exchange in
            try generator.chat(exchange.prompt, sampling: .greedy, stop: StopCondition(maxTokens: maxTokens)).text
        }
    }

    /// The samples for the report: last user message, reference, before and after.
    func pairs(before: [String], after: [String]) -> [SampleGeneration] {
        zip(exchanges, zip(before, after)).map { exchange, replies in
            SampleGeneration(prompt: exchange.prompt.last { $0.role == "user" }?.content ?? "",
                             reference: exchange.reply, before: replies.0, after: replies.1)
        }
    }
}
