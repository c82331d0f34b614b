// AVX-512 VNNI kernels: one 512-bit register holds a block of all four rows (one per 128-bit
// lane) and dpbusd multiplies unsigned weight bytes with signed activation bytes into int32.
#include "int8_internal.h"

#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni"))), apply_to = function)

// Signed × signed: |w| as the unsigned operand, x negated where w < 0.
static inline __m512i signed_dot(__m512i acc, __m512i w, __m512i x) {
    const __mmask64 negative = _mm512_movepi8_mask(w);
    return _mm512_dpbusd_epi32(acc, _mm512_abs_epi8(w), _mm512_mask_sub_epi8(x, negative, _mm512_setzero_si512(), x));
}

static inline __attribute__((always_inline)) void group_dot(int type, const uint8_t *group, int64_t blocks,
                                                            const rt_q8_block *x, float out[4]) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    const __m512i spread = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    __m128 offsets = _mm_setzero_ps();
    rt_block_walk w = rt_walk_start(group);
    for (int64_t b = 0; b < blocks; b++, w.quants += rt_quant_bytes(type)) {
        const uint8_t *s = rt_walk_to(type, &w, b), *q = w.quants;
        _mm_prefetch((const char *)q + RT_PREFETCH_BYTES, _MM_HINT_T0);
        const __m512i xlo = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)x[b].qs));
        const __m512i xhi = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(x[b].qs + 16)));
        __m512i dot;
        if (type == RT_TYPE_Q8_0) {
            dot = signed_dot(_mm512_setzero_si512(), _mm512_load_si512(q), xlo);
            dot = signed_dot(dot, _mm512_load_si512(q + 64), xhi);
        } else {
            const __m512i w = _mm512_load_si512(q);
            dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_and_si512(w, low), xlo);
            dot = _mm512_dpbusd_epi32(dot, _mm512_and_si512(_mm512_srli_epi16(w, 4), low), xhi);
        }
        const __m128 d = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(s)));
        const __m512 scale = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_mul_ps(d, _mm_set1_ps(x[b].d))));
        if (b & 1) {
            acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc1);
        } else {
            acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc0);
        }
        offsets = rt_block_offsets(type, offsets, d, rt_block_minima(type, s, d), &x[b]);
    }
    const __m512 acc = _mm512_add_ps(acc0, acc1);
    const __m128 r01 = _mm_hadd_ps(_mm512_castps512_ps128(acc), _mm512_extractf32x4_ps(acc, 1));
    const __m128 r23 = _mm_hadd_ps(_mm512_extractf32x4_ps(acc, 2), _mm512_extractf32x4_ps(acc, 3));
    _mm_storeu_ps(out, _mm_add_ps(_mm_hadd_ps(r01, r23), offsets));
}

RT_DEFINE_GROUP_ENTRY(rt_int8_group_avx512, group_dot)

// Up to four tokens' dot products with one group: each block's weights are loaded and unpacked
// once and serve every token, whose accumulators stay in registers. x[t] is token t's blocks.
static inline __attribute__((always_inline)) void tokens_dot(int type, int tokens, const uint8_t *group, int64_t blocks,
                                                             const rt_q8_block *const *x, float (*out)[4]) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    const __m512i spread = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    __m512 acc[4];
    __m128 offsets[4];
    for (int t = 0; t < tokens; t++) {
        acc[t] = _mm512_setzero_ps();
        offsets[t] = _mm_setzero_ps();
    }
    rt_block_walk w = rt_walk_start(group);
    for (int64_t b = 0; b < blocks; b++, w.quants += rt_quant_bytes(type)) {
        const uint8_t *s = rt_walk_to(type, &w, b), *q = w.quants;
        __m512i w0, w1;
        __mmask64 negative0 = 0, negative1 = 0;
        if (type == RT_TYPE_Q8_0) { // |w| as the unsigned operand, x negated where w < 0
            w0 = _mm512_load_si512(q);
            w1 = _mm512_load_si512(q + 64);
            negative0 = _mm512_movepi8_mask(w0);
            negative1 = _mm512_movepi8_mask(w1);
            w0 = _mm512_abs_epi8(w0);
            w1 = _mm512_abs_epi8(w1);
        } else {
            const __m512i w = _mm512_load_si512(q);
            w0 = _mm512_and_si512(w, low);
            w1 = _mm512_and_si512(_mm512_srli_epi16(w, 4), low);
        }
        const __m128 d = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(s)));
        const __m512 dw = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(d));
        const __m128 m = rt_block_minima(type, s, d);
        for (int t = 0; t < tokens; t++) {
            const rt_q8_block *xb = x[t] + b;
            __m512i xlo = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)xb->qs));
            __m512i xhi = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(xb->qs + 16)));
            if (type == RT_TYPE_Q8_0) {
                xlo = _mm512_mask_sub_epi8(xlo, negative0, _mm512_setzero_si512(), xlo);
                xhi = _mm512_mask_sub_epi8(xhi, negative1, _mm512_setzero_si512(), xhi);
            }
            const __m512i dot = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), w0, xlo), w1, xhi);
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(dw, _mm512_set1_ps(xb->d)), acc[t]);
            offsets[t] = rt_block_offsets(type, offsets[t], d, m, xb);
        }
    }
    for (int t = 0; t < tokens; t++) {
        const __m128 r01 = _mm_hadd_ps(_mm512_castps512_ps128(acc[t]), _mm512_extractf32x4_ps(acc[t], 1));
        const __m128 r23 = _mm_hadd_ps(_mm512_extractf32x4_ps(acc[t], 2), _mm512_extractf32x4_ps(acc[t], 3));
        _mm_storeu_ps(out[t], _mm_add_ps(_mm_hadd_ps(r01, r23), offsets[t]));
    }
}

RT_DEFINE_TOKENS_ENTRY(rt_int8_tokens_avx512, tokens_dot)

#pragma clang attribute pop
