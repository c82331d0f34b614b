import Foundation
import Testing
import RagTuneTensor
@testable import RagTuneModelFiles

/// Checks against the real model files (see `TestModels` for where they are looked up).
@Suite struct RealModelFileTests {
    @Test(.enabled(if: TestModels.shouldRun(TestModels.smolLM2), TestModels.skipComment(TestModels.smolLM2)))
    func smolLM2GGUF() throws {
        let file = try GGUFFile(url: TestModels.require(TestModels.smolLM2))
        #expect(file.version == 3)
        #expect(file.tensors.count == 272)
        #expect(file.tensors.filter { $0.type == .q4_1 }.count == 210)
        #expect(file.tensors.filter { $0.type == .f32 }.count == 61)
        #expect(file.tensors.filter { $0.type == .q8_0 }.map(\.name) == ["token_embd.weight"])
        #expect(try file.requireInt("llama.block_count") == 30)
        #expect(try file.requireInt("llama.embedding_length") == 576)
        #expect(try file.requireString("general.architecture") == "llama")
        #expect(try file.requireFloat("llama.rope.freq_base") == 100_000)
        let tokens = try file.requireStringArray("tokenizer.ggml.tokens")
        #expect(tokens.count == 49152)
        #expect(tokens.prefix(3) == ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
        #expect(file.metadataKeys.first == "general.architecture" && file.metadataKeys.count == 33)

        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embedding.dimensions == [576, 49152] && embedding.shape == [49152, 576])
        #expect(embedding.offset == 1_785_664)

        // Reference values from gguf-py 0.19.0:
        //   r = gguf.GGUFReader(path); t = <tensor>;
        //   gguf.quants.dequantize(t.data, t.tensor_type).reshape(-1)[:8]  (float32)
        let attnQ: [Float] = [-0.09631348, 0.15734863, -0.09631348, -0.73046875,
                              1.1719971, -0.09631348, 0.030517578, 0.66467285]
        let tokenEmbd: [Float] = [-0.106544495, 0.032978058, 0.0481987, -0.022830963,
                                  -0.06849289, -0.045661926, 0.02029419, -0.12176514]
        let q = try file.floats("blk.0.attn_q.weight")
        #expect(q.count == 576 * 576)
        #expect(Array(q.prefix(8)) == attnQ)
        #expect(Array(q[576..<580]) == [-0.11730957, -0.11730957, -0.19281006, 0.26019287])
        // The embedding is 28 M weights: dequantize just its first block from the mapping.
        let firstBlock = try file.withTensorBytes("token_embd.weight") { bytes in
            Quantization.dequantize(type: .q8_0, bytes: UnsafeRawBufferPointer(rebasing: bytes[0..<34]))!
        }
        #expect(Array(firstBlock.prefix(8)) == tokenEmbd)
        #expect(try file.floats("output_norm.weight").prefix(4) == [1.7578125, 1.8203125, 1.78125, 1.6015625])
    }

    /// The SIMD matvec on real (unaligned, mmapped) Q4_1 rows matches dequantize-then-dot.
    @Test(.enabled(if: TestModels.shouldRun(TestModels.smolLM2), TestModels.skipComment(TestModels.smolLM2)))
    func smolLM2MatvecMatchesDequantized() throws {
        let file = try GGUFFile(url: TestModels.require(TestModels.smolLM2))
        let info = try file.requireTensor("blk.0.ffn_down.weight")
        #expect(info.type == .q4_1 && info.dimensions == [1536, 576])
        let x = randomFloats(info.rowLength, seed: 5)
        var y = [Float](repeating: 0, count: info.rowCount)
        try file.withTensorBytes(info.name) { bytes in
            x.withUnsafeBufferPointer { xs in
                y.withUnsafeMutableBufferPointer { ys in
                    Quantization.matvec(type: info.type, rows: bytes.baseAddress!, rowCount: info.rowCount,
                                        columns: info.rowLength, x: xs.baseAddress!, y: ys.baseAddress!)
                }
            }
        }
        let weights = try file.floats(info.name)
        for r in stride(from: 0, to: info.rowCount, by: 7) {
            var reference = 0.0, magnitude = 0.0
            for c in 0..<info.rowLength {
                let product = Double(weights[r * info.rowLength + c]) * Double(x[c])
                reference += product
                magnitude += abs(product)
            }
            #expect(abs(Double(y[r]) - reference) <= 1e-5 * magnitude + 1e-6, "row \(r)")
        }
    }

    @Test(.enabled(if: TestModels.shouldRun(TestModels.miniLM), TestModels.skipComment(TestModels.miniLM)))
    func miniLMSafetensors() throws {
        let file = try SafetensorsFile(url: TestModels.require(TestModels.miniLM))
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensorNames.count == 104)
        #expect(file.tensorNames == file.tensorNames.sorted())
        let dtypes = file.tensorNames.compactMap { file.info($0)?.dtype }
        #expect(dtypes.filter { $0 == .f32 }.count == 103)
        // `embeddings.position_ids` is the one int64 buffer: listed, but not convertible.
        #expect(file.info("embeddings.position_ids")?.dtype == .i64)
        #expect(file.info("embeddings.position_ids")?.shape == [1, 512])
        _ = expectModelFilesError { _ = try file.floats("embeddings.position_ids") }

        let query = try file.tensor("encoder.layer.0.attention.self.query.weight")
        #expect(query.shape == [384, 384])
        // Reference values: numpy.frombuffer over the tensor's data_offsets (float32).
        #expect(Array(query.storage.prefix(8)) == [-0.14861962, 0.043580376, 0.08559578, 0.02421893,
                                                   -0.03988105, -0.08343553, -0.016350428, 0.047528565])
        #expect(try file.tensor("embeddings.word_embeddings.weight").shape == [30522, 384])
    }
}
