// The float kernels of float_kernels.h on AVX2 + FMA.
#include "float_kernels.h"

#include <immintrin.h>
#include <math.h>

// e^x, Cephes `expf` (as VectorMath.exp in Swift): x = n·ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial
// for e^r, then 2^n from the exponent bits. Relative error ≤ 2 ulp on [-87.3, 88.7]; below, 0; above,
// +inf; NaN stays NaN (min/max alone would turn it into the clamp bound).
static inline __m256 exp8(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.33654f), hi = _mm256_set1_ps(88.72283f);
    const __m256 c = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(c, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), c);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    const __m256 er = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    // 2^n with n in [-126, 128]: n = 128 (only at the very top) scales by 2^127, then doubles.
    const __m256i integer = _mm256_cvtps_epi32(n);
    const __m256i big = _mm256_cmpgt_epi32(integer, _mm256_set1_epi32(127));
    const __m256i exponent = _mm256_add_epi32(_mm256_min_epi32(integer, _mm256_set1_epi32(127)), _mm256_set1_epi32(127));
    __m256 result = _mm256_mul_ps(er, _mm256_castsi256_ps(_mm256_slli_epi32(exponent, 23)));
    result = _mm256_blendv_ps(result, _mm256_add_ps(result, result), _mm256_castsi256_ps(big));
    result = _mm256_blendv_ps(result, _mm256_setzero_ps(), _mm256_cmp_ps(x, lo, _CMP_LT_OQ));
    result = _mm256_blendv_ps(result, _mm256_set1_ps(INFINITY), _mm256_cmp_ps(x, hi, _CMP_GT_OQ));
    return _mm256_blendv_ps(result, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

// The first `count` (< 8) floats at p, the rest `fill`.
static inline __m256 load_partial(const float *p, int64_t count, float fill) {
    float buffer[8];
    for (int i = 0; i < 8; i++) buffer[i] = i < count ? p[i] : fill;
    return _mm256_loadu_ps(buffer);
}

static inline void store_partial(float *p, int64_t count, __m256 v) {
    float buffer[8];
    _mm256_storeu_ps(buffer, v);
    for (int i = 0; i < count; i++) p[i] = buffer[i];
}

static inline float sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

static inline float max8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(s, _mm_movehdup_ps(s)));
}

static inline __m256 swiglu8(__m256 g, __m256 u) {
    const __m256 sigmoid_denominator = _mm256_add_ps(_mm256_set1_ps(1.0f), exp8(_mm256_sub_ps(_mm256_setzero_ps(), g)));
    return _mm256_mul_ps(_mm256_div_ps(g, sigmoid_denominator), u);
}

void rt_swiglu(float *gate, const float *up, int64_t count) {
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(gate + i, swiglu8(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
    if (i < count) store_partial(gate + i, count - i, swiglu8(load_partial(gate + i, count - i, 0), load_partial(up + i, count - i, 0)));
}

void rt_softmax(float *x, int64_t count) {
    if (count <= 0) return;
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(x + i));
    if (i < count) vmax = _mm256_max_ps(vmax, load_partial(x + i, count - i, -INFINITY));
    const __m256 m = _mm256_set1_ps(max8(vmax));
    __m256 total = _mm256_setzero_ps();
    for (i = 0; i + 8 <= count; i += 8) {
        const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
        _mm256_storeu_ps(x + i, e);
        total = _mm256_add_ps(total, e);
    }
    if (i < count) {
        const __m256 e = exp8(_mm256_sub_ps(load_partial(x + i, count - i, -INFINITY), m));
        store_partial(x + i, count - i, e);
        total = _mm256_add_ps(total, e);
    }
    const __m256 inverse = _mm256_set1_ps(1.0f / sum8(total));
    for (i = 0; i + 8 <= count; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inverse));
    for (; i < count; i++) x[i] *= _mm256_cvtss_f32(inverse);
}

// [Σ a0, Σ a1, …, Σ a7]: eight horizontal sums in one register.
static inline __m256 sums_of_eight(const __m256 a[8]) {
    const __m256 t0 = _mm256_hadd_ps(a[0], a[1]), t1 = _mm256_hadd_ps(a[2], a[3]);
    const __m256 t2 = _mm256_hadd_ps(a[4], a[5]), t3 = _mm256_hadd_ps(a[6], a[7]);
    const __m256 u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

void rt_attend(const float *query, const float *keys, const float *values, int64_t stride, int64_t positions,
               int64_t head_size, float scale, float *scores, float *out) {
    const __m256 vscale = _mm256_set1_ps(scale);
    // scores: eight positions at a time, one accumulator each, reduced together
    int64_t t = 0;
    for (; t + 8 <= positions; t += 8) {
        __m256 acc[8];
        for (int j = 0; j < 8; j++) acc[j] = _mm256_setzero_ps();
        for (int64_t c = 0; c < head_size; c += 8) {
            const __m256 qc = _mm256_loadu_ps(query + c);
            for (int j = 0; j < 8; j++) acc[j] = _mm256_fmadd_ps(_mm256_loadu_ps(keys + (t + j) * stride + c), qc, acc[j]);
        }
        _mm256_storeu_ps(scores + t, _mm256_mul_ps(sums_of_eight(acc), vscale));
    }
    for (; t < positions; t++) {
        __m256 acc = _mm256_setzero_ps();
        for (int64_t c = 0; c < head_size; c += 8)
            acc = _mm256_fmadd_ps(_mm256_loadu_ps(keys + t * stride + c), _mm256_loadu_ps(query + c), acc);
        scores[t] = sum8(acc) * scale;
    }
    rt_softmax(scores, positions);
    // out = Σ p_t v_t, 64 outputs (eight registers) at a time
    for (int64_t c0 = 0; c0 < head_size; c0 += 64) {
        const int64_t width = head_size - c0 < 64 ? head_size - c0 : 64;
        __m256 acc[8];
        for (int j = 0; j < 8; j++) acc[j] = _mm256_setzero_ps();
        for (t = 0; t < positions; t++) {
            const __m256 p = _mm256_broadcast_ss(scores + t);
            const float *v = values + t * stride + c0;
            for (int j = 0; j < 8; j++)
                if (8 * j < width) acc[j] = _mm256_fmadd_ps(_mm256_loadu_ps(v + 8 * j), p, acc[j]);
        }
        for (int j = 0; j < 8; j++)
            if (8 * j < width) _mm256_storeu_ps(out + c0 + 8 * j, acc[j]);
    }
}
