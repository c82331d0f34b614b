import RagTuneModels

/// The row order of q_proj / k_proj between Hugging Face and GGUF.
///
/// llama.cpp's `convert_hf_to_gguf.py` (`LlamaModel.permute`) reorders each head's rows so that
/// RoPE rotates adjacent pairs: the Hugging Face rows of a head, `[c·hs/2 + j]` (c = half 0 or 1,
/// j < hs/2), become GGUF rows `[2j + c]`. `convert_lora_to_gguf.py` applies the same permutation
/// to lora_B (A reads the unpermuted input and stays as is). RagTune trains on GGUF weights, so its
/// adapters are in GGUF order; PEFT files are in Hugging Face order.
enum RoPERowOrder {
    /// The heads whose rows `projection` permutes (q: all heads, k: KV heads), or nil when its
    /// rows are not permuted.
    static func heads(of projection: LlamaProjection, _ config: LlamaConfig) -> Int? {
        switch projection {
        case .query: return config.headCount
        case .key: return config.kvHeadCount
        default: return nil
        }
    }

    /// The GGUF row holding Hugging Face row `row` of a matrix with heads of `headSize` rows.
    static func ggufRow(ofHuggingFaceRow row: Int, headSize: Int) -> Int {
        let half = headSize / 2
        let head = row / headSize, i = row % headSize
        return head * headSize + 2 * (i % half) + i / half
    }

    /// `matrix` (`[heads · headSize, columns]` row-major) with its rows moved from Hugging Face to
    /// GGUF order (`toGGUF`) or back.
    static func reorder(_ matrix: [Float], columns: Int, headSize: Int, toGGUF: Bool) -> [Float] {
        precondition(headSize % 2 == 0 && matrix.count % (headSize * columns) == 0, "rows are not whole heads")
        var out = [Float](repeating: 0, count: matrix.count)
        for hfRow in 0..<(matrix.count / columns) {
            let ggufRow = ggufRow(ofHuggingFaceRow: hfRow, headSize: headSize)
            let (from, to) = toGGUF ? (hfRow, ggufRow) : (ggufRow, hfRow)
            for c in 0..<columns { out[to * columns + c] = matrix[from * columns + c] }
        }
        return out
    }
}
