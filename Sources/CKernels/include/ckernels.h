// Integer dot-product kernels for the decoder's int8-activation path (llama.cpp's scheme):
// activations are quantized to 8 bits per block of 32, and each weight block's dot product is
// computed with 8-bit integer multiplies (AVX2 maddubs, or AVX512-VNNI dpbusd when the CPU has
// it, chosen at run time). C because Swift cannot express these instructions; see the README's
// design notes for the measurement that justifies it.
#ifndef RAGTUNE_CKERNELS_H
#define RAGTUNE_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// 32 activations as int8 with their scale: x[j] ≈ d * qs[j]; s = d * Σ qs (for Q4_1's offset).
typedef struct {
    float d;
    float s;
    int8_t qs[32];
} rt_block_q8;

/// Quantizes n floats (a multiple of 32) into n/32 blocks (round to nearest, scale max|x|/127).
void rt_quantize_q8(const float *x, int n, rt_block_q8 *y);

/// y[r] = row r · x for rows of GGUF Q4_0 / Q4_1 / Q8_0 blocks (row stride row_bytes), nblocks per row.
void rt_matvec_q4_0(const void *rows, size_t row_bytes, int nrows, const rt_block_q8 *x, int nblocks, float *y);
void rt_matvec_q4_1(const void *rows, size_t row_bytes, int nrows, const rt_block_q8 *x, int nblocks, float *y);
void rt_matvec_q8_0(const void *rows, size_t row_bytes, int nrows, const rt_block_q8 *x, int nblocks, float *y);

/// The instruction set the kernels use on this CPU: "avx512vnni" or "avx2".
const char *rt_kernel_isa(void);

#endif
