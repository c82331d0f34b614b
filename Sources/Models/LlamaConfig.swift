import RagTuneModelFiles

/// Llama-family hyper-parameters, read from GGUF metadata under the file's
/// `general.architecture` prefix (as llama.cpp does): nothing is hard-coded for SmolLM2.
public struct LlamaConfig: Sendable, Equatable {
    public var layerCount: Int          // {arch}.block_count
    public var embeddingSize: Int       // {arch}.embedding_length (d_model)
    public var feedForwardSize: Int     // {arch}.feed_forward_length
    public var headCount: Int           // {arch}.attention.head_count
    public var kvHeadCount: Int         // {arch}.attention.head_count_kv (GQA)
    public var ropeBase: Double         // {arch}.rope.freq_base (default 10000)
    public var ropeDimensions: Int      // {arch}.rope.dimension_count (default: head size)
    public var rmsEpsilon: Float        // {arch}.attention.layer_norm_rms_epsilon
    public var vocabularySize: Int      // rows of token_embd.weight
    public var contextLength: Int       // {arch}.context_length (trained)

    /// Size of one attention head.
    public var headSize: Int { embeddingSize / headCount }
    /// Width of the K (and V) projection: kvHeadCount · headSize.
    public var kvSize: Int { kvHeadCount * headSize }

    public init(layerCount: Int, embeddingSize: Int, feedForwardSize: Int, headCount: Int, kvHeadCount: Int,
                ropeBase: Double, ropeDimensions: Int, rmsEpsilon: Float, vocabularySize: Int, contextLength: Int) {
        self.layerCount = layerCount
        self.embeddingSize = embeddingSize
        self.feedForwardSize = feedForwardSize
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.ropeBase = ropeBase
        self.ropeDimensions = ropeDimensions
        self.rmsEpsilon = rmsEpsilon
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
    }

    /// Reads and checks the configuration of a Llama-architecture GGUF.
    public init(gguf: GGUFFile) throws {
        let arch = try gguf.requireString("general.architecture")
        guard arch == "llama" else {
            throw ModelError.invalidConfig(file: gguf.name,
                                           reason: "general.architecture is '\(arch)'; RagTune's decoder runs 'llama' models")
        }
        layerCount = try gguf.requireInt("\(arch).block_count")
        embeddingSize = try gguf.requireInt("\(arch).embedding_length")
        feedForwardSize = try gguf.requireInt("\(arch).feed_forward_length")
        headCount = try gguf.requireInt("\(arch).attention.head_count")
        kvHeadCount = try gguf.int("\(arch).attention.head_count_kv") ?? headCount
        ropeBase = Double(try gguf.float("\(arch).rope.freq_base") ?? 10_000)
        rmsEpsilon = try gguf.requireFloat("\(arch).attention.layer_norm_rms_epsilon")
        contextLength = try gguf.requireInt("\(arch).context_length")
        vocabularySize = try gguf.requireTensor("token_embd.weight").rowCount
        let givenRopeDimensions = try gguf.int("\(arch).rope.dimension_count")
        ropeDimensions = 0
        // Checked in order, each before anything that depends on it (head size divides by
        // head_count; a block count is bounded by the tensors that must exist for it).
        func check(_ ok: @autoclosure () -> Bool, _ reason: @autoclosure () -> String) throws {
            if !ok() { throw ModelError.invalidConfig(file: gguf.name, reason: reason()) }
        }
        try check(layerCount > 0, "block_count \(layerCount) must be positive")
        try check(layerCount <= gguf.tensors.count / 9,
                  "block_count \(layerCount) needs 9 tensors a block, but the file holds \(gguf.tensors.count) tensors")
        try check(embeddingSize > 0 && headCount > 0 && embeddingSize % headCount == 0,
                  "embedding_length \(embeddingSize) must be a positive multiple of head_count \(headCount)")
        try check(kvHeadCount > 0 && headCount % kvHeadCount == 0,
                  "head_count \(headCount) must be a multiple of head_count_kv \(kvHeadCount)")
        ropeDimensions = givenRopeDimensions ?? headSize
        try check(ropeDimensions > 0 && ropeDimensions <= headSize && ropeDimensions % 2 == 0,
                  "rope.dimension_count \(ropeDimensions) must be even and at most the head size \(headSize)")
        try check(feedForwardSize > 0 && contextLength > 0 && vocabularySize > 0, "sizes must be positive")
        try check(rmsEpsilon > 0 && ropeBase > 0, "rms epsilon and rope base must be positive")
    }
}
