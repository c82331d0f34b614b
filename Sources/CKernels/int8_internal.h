// Shared by the int8 kernel files: the repacked layout and the per-instruction-set entry points.
#ifndef RAGTUNE_INT8_INTERNAL_H
#define RAGTUNE_INT8_INTERNAL_H

#include "int8_kernels.h"

// A repacked group of 4 rows is a run of chunks, one per `rt_chunk_blocks` blocks (fewer in the
// last chunk): 64 bytes of fp16 scales (Q4_0 and Q8_0: d[4] per block; Q4_1: d[4] then m[4] per
// block), then the quants of the chunk's blocks:
// - Q4_0/Q4_1: 64 bytes per block, row r's 16 nibble bytes at 16·r (low nibbles are weights
//   0..15, high nibbles 16..31), so one 512-bit load holds a block of all four rows;
// - Q8_0: 128 bytes per block, row r's weights 0..15 at 16·r and 16..31 at 64 + 16·r.
// So the kernels read each group as one aligned forward stream.

// How far ahead of the block in use the matrix-vector kernels prefetch (into L1). Decode reads
// every weight once per token from memory; without it decode ran 5–10% slower on an AVX2-only
// EPYC (`bench decode`, 1 thread, interleaved runs); 1024 and 2048 bytes measured alike.
enum { RT_PREFETCH_BYTES = 2048 };

static inline int64_t rt_scale_bytes(int type) { return type == RT_TYPE_Q4_1 ? 16 : 8; }
static inline int64_t rt_quant_bytes(int type) { return type == RT_TYPE_Q8_0 ? 128 : 64; }
static inline int64_t rt_chunk_blocks(int type) { return 64 / rt_scale_bytes(type); }

// Where block b's scales and quants are in a group.
static inline const uint8_t *rt_block_scales(int type, const uint8_t *group, int64_t b) {
    const int64_t n = rt_chunk_blocks(type);
    return group + b / n * (64 + n * rt_quant_bytes(type)) + b % n * rt_scale_bytes(type);
}
static inline const uint8_t *rt_block_quants(int type, const uint8_t *group, int64_t b) {
    const int64_t n = rt_chunk_blocks(type);
    return group + b / n * (64 + n * rt_quant_bytes(type)) + 64 + b % n * rt_quant_bytes(type);
}

// One group's four dot products with x, written to out[0..3].
void rt_int8_group_avx2(int type, const uint8_t *group, int64_t blocks, const rt_q8_block *x, float out[4]);
void rt_int8_group_avx512(int type, const uint8_t *group, int64_t blocks, const rt_q8_block *x, float out[4]);

// Up to four tokens' dot products with one group, written to out[t][0..3]; x[t] is token t's blocks.
void rt_int8_tokens_avx2(int type, int tokens, const uint8_t *group, int64_t blocks, const rt_q8_block *const *x,
                         float (*out)[4]);
void rt_int8_tokens_avx512(int type, int tokens, const uint8_t *group, int64_t blocks, const rt_q8_block *const *x,
                           float (*out)[4]);

// Defines `name` (the signature above) over an always-inline `kernel(type, tokens, ...)`, with one
// copy per weight type and token count, so the loops over tokens unroll into registers.
#define RT_TOKENS_CASE(kernel, type_value)                                                                     \
    switch (tokens) {                                                                                          \
    case 4: kernel(type_value, 4, group, blocks, x, out); break;                                               \
    case 3: kernel(type_value, 3, group, blocks, x, out); break;                                               \
    case 2: kernel(type_value, 2, group, blocks, x, out); break;                                               \
    default: kernel(type_value, 1, group, blocks, x, out); break;                                              \
    }
#define RT_DEFINE_TOKENS_ENTRY(name, kernel)                                                                   \
    void name(int type, int tokens, const uint8_t *group, int64_t blocks, const rt_q8_block *const *x,         \
              float (*out)[4]) {                                                                               \
        switch (type) {                                                                                        \
        case RT_TYPE_Q4_0: RT_TOKENS_CASE(kernel, RT_TYPE_Q4_0) break;                                         \
        case RT_TYPE_Q4_1: RT_TOKENS_CASE(kernel, RT_TYPE_Q4_1) break;                                         \
        default: RT_TOKENS_CASE(kernel, RT_TYPE_Q8_0) break;                                                   \
        }                                                                                                      \
    }

#endif
