// AVX2 kernels: unsigned × signed byte products with maddubs, pairs summed to int32 with madd,
// one float FMA per block and pair of rows. Each 256-bit register holds two rows of a block.
#include "int8_internal.h"

#include <immintrin.h>

// [Σ lanes 0..3 of a, Σ 4..7 of a, Σ 0..3 of b, Σ 4..7 of b]: the four rows' sums.
static inline __m128 rows_of(__m256 a, __m256 b) {
    const __m128 r01 = _mm_hadd_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    const __m128 r23 = _mm_hadd_ps(_mm256_castps256_ps128(b), _mm256_extractf128_ps(b, 1));
    return _mm_hadd_ps(r01, r23);
}

// Σ over 32 pairs of one row pair: lo/hi are the weights 0..15 / 16..31 of two rows (one per
// 128-bit lane), xlo/xhi the matching activations in both lanes. Q4 weights are unsigned (0..15):
// two maddubs fit one int16 sum. Q8_0 weights are signed: |w| × sign(x, w), summed in int32.
static inline __m256i pair_dot(int type, __m256i lo, __m256i hi, __m256i xlo, __m256i xhi) {
    const __m256i ones = _mm256_set1_epi16(1);
    if (type == RT_TYPE_Q8_0) {
        const __m256i a = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(lo, lo), _mm256_sign_epi8(xlo, lo)), ones);
        const __m256i b = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(hi, hi), _mm256_sign_epi8(xhi, hi)), ones);
        return _mm256_add_epi32(a, b);
    }
    const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(lo, xlo), _mm256_maddubs_epi16(hi, xhi));
    return _mm256_madd_epi16(p, ones);
}

static inline __attribute__((always_inline)) void group_dot(int type, const uint8_t *group, int64_t blocks,
                                                            const rt_q8_block *x, float out[4]) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    const __m256i rows01 = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
    const __m256i rows23 = _mm256_setr_epi32(2, 2, 2, 2, 3, 3, 3, 3);
    __m256 acc01 = _mm256_setzero_ps(), acc23 = _mm256_setzero_ps();
    __m128 offsets = _mm_setzero_ps();
    rt_block_walk w = rt_walk_start(group);
    for (int64_t b = 0; b < blocks; b++, w.quants += rt_quant_bytes(type)) {
        const uint8_t *s = rt_walk_to(type, &w, b), *q = w.quants;
        _mm_prefetch((const char *)q + RT_PREFETCH_BYTES, _MM_HINT_T0);
        const __m256i xlo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)x[b].qs));
        const __m256i xhi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(x[b].qs + 16)));
        __m256i dot01, dot23;
        if (type == RT_TYPE_Q8_0) {
            dot01 = pair_dot(type, _mm256_load_si256((const __m256i *)q), _mm256_load_si256((const __m256i *)(q + 64)), xlo, xhi);
            dot23 = pair_dot(type, _mm256_load_si256((const __m256i *)(q + 32)), _mm256_load_si256((const __m256i *)(q + 96)), xlo, xhi);
        } else {
            const __m256i w01 = _mm256_load_si256((const __m256i *)q);
            const __m256i w23 = _mm256_load_si256((const __m256i *)(q + 32));
            dot01 = pair_dot(type, _mm256_and_si256(w01, low), _mm256_and_si256(_mm256_srli_epi16(w01, 4), low), xlo, xhi);
            dot23 = pair_dot(type, _mm256_and_si256(w23, low), _mm256_and_si256(_mm256_srli_epi16(w23, 4), low), xlo, xhi);
        }
        const __m128 d = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(s)));
        const __m128 scale = _mm_mul_ps(d, _mm_set1_ps(x[b].d));
        acc01 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot01), _mm256_permutevar8x32_ps(_mm256_castps128_ps256(scale), rows01), acc01);
        acc23 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot23), _mm256_permutevar8x32_ps(_mm256_castps128_ps256(scale), rows23), acc23);
        offsets = rt_block_offsets(type, offsets, d, rt_block_minima(type, s, d), &x[b]);
    }
    _mm_storeu_ps(out, _mm_add_ps(rows_of(acc01, acc23), offsets));
}

RT_DEFINE_GROUP_ENTRY(rt_int8_group_avx2, group_dot)

// Up to four tokens' dot products with one group: each block's weights are loaded and unpacked
// once and serve every token; the two row pairs' sums are folded into one register (hadd) before
// the one conversion and scaling per block and token. x[t] is token t's blocks.
static inline __attribute__((always_inline)) void tokens_dot(int type, int tokens, const uint8_t *group, int64_t blocks,
                                                             const rt_q8_block *const *x, float (*out)[4]) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    // After hadd(dot01, dot23): lanes [r0 r0 r2 r2 | r1 r1 r3 r3].
    const __m256i folded = _mm256_setr_epi32(0, 0, 2, 2, 1, 1, 3, 3);
    __m256 acc[4];
    __m128 offsets[4];
    for (int t = 0; t < tokens; t++) {
        acc[t] = _mm256_setzero_ps();
        offsets[t] = _mm_setzero_ps();
    }
    rt_block_walk w = rt_walk_start(group);
    for (int64_t b = 0; b < blocks; b++, w.quants += rt_quant_bytes(type)) {
        const uint8_t *s = rt_walk_to(type, &w, b), *q = w.quants;
        __m256i lo01, hi01, lo23, hi23;
        if (type == RT_TYPE_Q8_0) {
            lo01 = _mm256_load_si256((const __m256i *)q);
            lo23 = _mm256_load_si256((const __m256i *)(q + 32));
            hi01 = _mm256_load_si256((const __m256i *)(q + 64));
            hi23 = _mm256_load_si256((const __m256i *)(q + 96));
        } else {
            const __m256i w01 = _mm256_load_si256((const __m256i *)q);
            const __m256i w23 = _mm256_load_si256((const __m256i *)(q + 32));
            lo01 = _mm256_and_si256(w01, low);
            hi01 = _mm256_and_si256(_mm256_srli_epi16(w01, 4), low);
            lo23 = _mm256_and_si256(w23, low);
            hi23 = _mm256_and_si256(_mm256_srli_epi16(w23, 4), low);
        }
        const __m128 d = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(s)));
        const __m256 dw = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(d), folded);
        const __m128 m = rt_block_minima(type, s, d);
        for (int t = 0; t < tokens; t++) {
            const rt_q8_block *xb = x[t] + b;
            const __m256i xlo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)xb->qs));
            const __m256i xhi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(xb->qs + 16)));
            const __m256i dot = _mm256_hadd_epi32(pair_dot(type, lo01, hi01, xlo, xhi), pair_dot(type, lo23, hi23, xlo, xhi));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(dw, _mm256_set1_ps(xb->d)), acc[t]);
            offsets[t] = rt_block_offsets(type, offsets[t], d, m, xb);
        }
    }
    for (int t = 0; t < tokens; t++) {
        // [r0 r0 r2 r2 | r1 r1 r3 r3] → hadd [r0 r2 r1 r3] → [r0 r1 r2 r3]
        const __m128 sums = _mm_hadd_ps(_mm256_castps256_ps128(acc[t]), _mm256_extractf128_ps(acc[t], 1));
        _mm_storeu_ps(out[t], _mm_add_ps(_mm_shuffle_ps(sums, sums, _MM_SHUFFLE(3, 1, 2, 0)), offsets[t]));
    }
}

RT_DEFINE_TOKENS_ENTRY(rt_int8_tokens_avx2, tokens_dot)
