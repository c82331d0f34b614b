// Shared by the int8 kernel files: the repacked layout and the per-instruction-set entry points.
#ifndef RAGTUNE_INT8_INTERNAL_H
#define RAGTUNE_INT8_INTERNAL_H

#include "int8_kernels.h"

#include <immintrin.h>

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

// A forward walk over a group's blocks, chunk after chunk: `quants` points at the block in use
// and `chunk_scales` at the scales of its chunk. The loop steps `quants` by rt_quant_bytes.
typedef struct {
    const uint8_t *chunk_scales, *quants;
} rt_block_walk;

static inline rt_block_walk rt_walk_start(const uint8_t *group) { return (rt_block_walk){group, group + 64}; }

// Called for blocks b = 0, 1, 2, … in order: at a chunk's first block, `quants` moves past the
// chunk's scales. Returns block b's scales: d[4] (then m[4] for Q4_1) in fp16.
static inline const uint8_t *rt_walk_to(int type, rt_block_walk *w, int64_t b) {
    const int64_t chunk = rt_chunk_blocks(type);
    if (b % chunk == 0 && b > 0) {
        w->chunk_scales = w->quants;
        w->quants += 64;
    }
    return w->chunk_scales + b % chunk * rt_scale_bytes(type);
}

// `offsets` plus what one block's integer products leave out of its four rows' dot products with
// activation block xb: Q4_1's + m · d_x Σ q_x; Q4_0's weights are q - 8, so - 8 · d · d_x Σ q_x;
// nothing for Q8_0. d and m are the block's four row scales and minima as floats.
static inline __m128 rt_block_offsets(int type, __m128 offsets, __m128 d, __m128 m, const rt_q8_block *xb) {
    if (type == RT_TYPE_Q4_1) return _mm_fmadd_ps(m, _mm_set1_ps(xb->s), offsets);
    if (type == RT_TYPE_Q4_0) return _mm_fmadd_ps(d, _mm_set1_ps(-8.0f * xb->d * (float)xb->sum), offsets);
    return offsets;
}

// Block b's four row minima (Q4_1 only; the row scales `d` for the other types, unused there).
static inline __m128 rt_block_minima(int type, const uint8_t *scales, __m128 d) {
    return type == RT_TYPE_Q4_1 ? _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(scales + 8))) : d;
}

// One group's four dot products with x, written to out[0..3].
void rt_int8_group_avx2(int type, const uint8_t *group, int64_t blocks, const rt_q8_block *x, float out[4]);
void rt_int8_group_avx512(int type, const uint8_t *group, int64_t blocks, const rt_q8_block *x, float out[4]);

// Up to four tokens' dot products with one group, written to out[t][0..3]; x[t] is token t's blocks.
void rt_int8_tokens_avx2(int type, int tokens, const uint8_t *group, int64_t blocks, const rt_q8_block *const *x,
                         float (*out)[4]);
void rt_int8_tokens_avx512(int type, int tokens, const uint8_t *group, int64_t blocks, const rt_q8_block *const *x,
                           float (*out)[4]);

// Defines `name` (the group signature above) over an always-inline `kernel(type, ...)`, with one
// copy per weight type.
#define RT_DEFINE_GROUP_ENTRY(name, kernel)                                                                    \
    void name(int type, const uint8_t *group, int64_t blocks, const rt_q8_block *x, float out[4]) {            \
        switch (type) {                                                                                        \
        case RT_TYPE_Q4_0: kernel(RT_TYPE_Q4_0, group, blocks, x, out); break;                                 \
        case RT_TYPE_Q4_1: kernel(RT_TYPE_Q4_1, group, blocks, x, out); break;                                 \
        default: kernel(RT_TYPE_Q8_0, group, blocks, x, out); break;                                           \
        }                                                                                                      \
    }

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
