/// One training sequence: input tokens, the token expected at each position, and which positions
/// count in the loss (e.g. only those whose target is part of an assistant reply).
public struct TrainingSequence: Sendable, Equatable {
    /// `[T]` input ids.
    public var tokens: [Int]
    /// `[T]` expected next ids; ignored where `mask` is false (any value, e.g. −100, is fine there).
    public var targets: [Int]
    /// `[T]` true where position t's loss counts.
    public var mask: [Bool]

    public init(tokens: [Int], targets: [Int], mask: [Bool]) {
        self.tokens = tokens
        self.targets = targets
        self.mask = mask
    }

    /// Next-token prediction over `ids`: position t reads `ids[t]` and predicts `ids[t + 1]`, and
    /// counts when `trainable[t + 1]` (the predicted token is one to learn).
    /// - Parameters: ids, trainable: `[n]` each, n ≥ 2; the sequence has n − 1 positions.
    public init(nextTokenOf ids: [Int], trainable: [Bool]) {
        tokens = Array(ids.dropLast())
        targets = Array(ids.dropFirst())
        mask = Array(trainable.dropFirst())
    }

    /// Positions whose loss counts.
    public var countedTokens: Int { mask.lazy.filter { $0 }.count }

    /// Throws when the lengths differ, the sequence is empty or longer than `contextLength`, or an
    /// id (a token, or a target at a counted position) is outside the vocabulary.
    func validate(vocabularySize: Int, contextLength: Int) throws {
        guard !tokens.isEmpty, tokens.count == targets.count, tokens.count == mask.count else {
            throw TrainingError.shapeMismatch(
                "tokens \(tokens.count), targets \(targets.count), mask \(mask.count): need equal, non-zero lengths")
        }
        guard tokens.count <= contextLength else {
            throw TrainingError.shapeMismatch("sequence of \(tokens.count) tokens exceeds the context of \(contextLength)")
        }
        if let i = tokens.firstIndex(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw TrainingError.tokenOutOfRange(field: "tokens", index: i, id: tokens[i], vocabularySize: vocabularySize)
        }
        if let i = targets.indices.first(where: { mask[$0] && (targets[$0] < 0 || targets[$0] >= vocabularySize) }) {
            throw TrainingError.tokenOutOfRange(field: "targets", index: i, id: targets[i], vocabularySize: vocabularySize)
        }
    }
}
