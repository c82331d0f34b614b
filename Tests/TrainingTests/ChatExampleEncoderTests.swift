import Foundation
import Testing
import RagTuneTestSupport
import RagTuneModels
import RagTuneTokenizers
@testable import RagTuneTraining

/// ChatML rendering and loss masks with SmolLM2's real tokenizer: the prompt part must be the
/// ids inference builds, the mask exactly the reply tokens and their `<|im_end|>`.
@Suite(.serialized) struct ChatExampleEncoderTests {
    /// SmolLM2's tokenizer and chat template (tests using them carry `.needsSmolLM2`).
    static let chatModel = Result { () throws -> (tokenizer: BPETokenizer, template: ChatTemplate) in
        let model = try TrainingFixtures.smolLM2.get()
        return (try BPETokenizer(gguf: model.gguf), ChatExampleEncoder.template(of: model.gguf))
    }

    static func encoder(trainOnInputs: Bool = false, cutoff: Int = 512) throws -> ChatExampleEncoder {
        let chatModel = try chatModel.get()
        return try ChatExampleEncoder(tokenizer: chatModel.tokenizer, template: chatModel.template,
                                      trainOnInputs: trainOnInputs, cutoffLength: cutoff)
    }

    /// The inference path the prompts must agree with.
    static func generator() throws -> TextGenerator { try TextGenerator(threads: 1) }

    static let chat = ChatExample(messages: [.user("What is the capital of France?"), .assistant("Paris."),
                                             .user("And of Italy?"), .assistant(" Rome, of course.\n")])

    @Test(.needsSmolLM2) func promptPartIsWhatInferenceTokenizes() throws {
        let encoder = try Self.encoder(), generator = try Self.generator()
        guard case .encoded(let encoded) = encoder.encode(Self.chat) else { Issue.record("not encoded"); return }
        for last in [1, 3] {
            let prompt = generator.promptIds(for: Array(Self.chat.messages[..<last]))
            #expect(encoder.promptIds(for: Array(Self.chat.messages[..<last])) == prompt)
            #expect(Array(encoded.ids.prefix(prompt.count)) == prompt, "turn \(last): prompt ids differ from inference")
            let imEnd = generator.tokenizer.imEndId!
            let reply = generator.tokenizer.encode(Self.chat.messages[last].content, parseSpecial: true) + [imEnd]
            #expect(Array(encoded.ids[prompt.count..<(prompt.count + reply.count)]) == reply)
        }
    }

    @Test(.needsSmolLM2) func plainTextIsLearnedInFullAndEndsWithEndOfText() throws {
        let encoder = try Self.encoder(cutoff: 12), tokenizer = try Self.chatModel.get().tokenizer
        let text = "The Vorn-2 lamp <|im_start|> was built by Ama Bel."
        guard case .encoded(let encoded) = try Self.encoder().encode(ChatExample(text: text)) else { Issue.record("not encoded"); return }
        // Special-token text in a document stays text; no chat template around it.
        #expect(encoded.ids == tokenizer.encode(text, parseSpecial: false) + [tokenizer.endOfTextId!])
        #expect(!encoded.ids.dropLast().contains(tokenizer.imStartId!) && encoded.trainable.allSatisfy { $0 })
        #expect(encoded.countedTokens == encoded.ids.count - 1 && !encoded.truncated)
        guard case .encoded(let cut) = encoder.encode(ChatExample(text: text)) else { Issue.record("not encoded"); return }
        #expect(cut.ids == Array(encoded.ids.prefix(12)) && cut.truncated)
    }

    @Test(.needsSmolLM2) func maskCoversExactlyTheRepliesAndTheirEndTokens() throws {
        let encoder = try Self.encoder(), generator = try Self.generator()
        guard case .encoded(let encoded) = encoder.encode(Self.chat) else { Issue.record("not encoded"); return }
        // split the learned tokens into runs; each run decodes to one reply + <|im_end|>
        var runs: [[Int]] = [], current: [Int] = []
        for (id, learn) in zip(encoded.ids, encoded.trainable) {
            if learn { current.append(id) } else if !current.isEmpty { runs.append(current); current = [] }
        }
        if !current.isEmpty { runs.append(current) }
        #expect(runs.map { generator.tokenizer.decode($0) } == ["Paris.<|im_end|>", " Rome, of course.\n<|im_end|>"])
        #expect(encoded.ids.last == generator.tokenizer.imEndId)
        let sequence = encoded.sequence
        #expect(sequence.countedTokens == runs.joined().count)
        #expect(zip(sequence.targets, sequence.mask).filter(\.1).map(\.0) == Array(runs.joined()))
        // train_on_inputs learns every predicted token
        guard case .encoded(let all) = try Self.encoder(trainOnInputs: true).encode(Self.chat) else { Issue.record("not encoded"); return }
        #expect(all.ids == encoded.ids && all.countedTokens == all.ids.count - 1)
    }

    @Test(.needsSmolLM2) func weightZeroRepliesAreContextOnly() throws {
        let encoder = try Self.encoder(), generator = try Self.generator()
        var chat = Self.chat
        chat.learned = [false, false, false, true]
        guard case .encoded(let encoded) = encoder.encode(chat) else { Issue.record("not encoded"); return }
        let learned = zip(encoded.ids, encoded.trainable).filter(\.1).map(\.0)
        #expect(generator.tokenizer.decode(learned) == " Rome, of course.\n<|im_end|>")
    }

    @Test(.needsSmolLM2) func cutoffTruncatesAndSkipsWhenNoReplyIsLeft() throws {
        let full = try Self.encoder(), generator = try Self.generator()
        guard case .encoded(let whole) = full.encode(Self.chat) else { Issue.record("not encoded"); return }
        let firstPrompt = generator.promptIds(for: [Self.chat.messages[0]]).count
        guard case .encoded(let cut) = try Self.encoder(cutoff: firstPrompt + 2).encode(Self.chat) else {
            Issue.record("a cut that keeps two reply tokens must be kept"); return
        }
        #expect(cut.truncated && cut.ids == Array(whole.ids.prefix(firstPrompt + 2)) && cut.countedTokens == 2)
        #expect(try Self.encoder(cutoff: firstPrompt).encode(Self.chat) == .tooLong(tokens: whole.ids.count))
    }
}
