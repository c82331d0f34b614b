#include "ckernels.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

// GGUF block layouts (ggml): fp16 scale(s), then packed quants.
typedef struct { uint16_t d; uint8_t qs[16]; } block_q4_0;           // w = d * (q - 8)
typedef struct { uint16_t d; uint16_t m; uint8_t qs[16]; } block_q4_1; // w = d * q + m
typedef struct { uint16_t d; int8_t qs[32]; } block_q8_0;             // w = d * q

static inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

void rt_quantize_q8(const float *x, int n, rt_block_q8 *y) {
    for (int b = 0; b < n / 32; b++) {
        const float *xb = x + 32 * b;
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(xb[j]));
        const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            const int q = (int)lrintf(xb[j] * id);
            y[b].qs[j] = (int8_t)q;
            sum += q;
        }
        // Scales rounded to fp16 as ggml's Q8_1 stores them (quantize_row_q8_1), so the int8 path
        // sees the same numbers llama.cpp does.
        y[b].d = _cvtsh_ss(_cvtss_sh(d, 0));
        y[b].s = _cvtsh_ss(_cvtss_sh(d * (float)sum, 0));
    }
}

// ---- row kernels ------------------------------------------------------------------------
// Each row kernel is written once, generic over the 8-bit dot product (AVX2 maddubs+madd, or
// AVX512-VNNI dpbusd), and instantiated per instruction set; `always_inline` lets the compiler
// specialize it inside each target-attributed wrapper. Four independent accumulators keep
// consecutive blocks from waiting on each other's fused multiply-add.

#define INLINE static inline __attribute__((always_inline))
#define VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

typedef __m256 (*dot_us8_fn)(__m256i u, __m256i s);

INLINE float hsum8(__m256 v) {
    __m128 r = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

// 16 bytes of nibbles → 32 bytes: low nibbles (weights 0..15), then high nibbles (16..31).
INLINE __m256i nibbles32(const uint8_t *p) {
    const __m128i t = _mm_loadu_si128((const __m128i *)p);
    const __m256i b = _mm256_set_m128i(_mm_srli_epi16(t, 4), t);
    return _mm256_and_si256(b, _mm256_set1_epi8(0x0F));
}

// Σ u8·s8 over 32 pairs, as 8 float partial sums.
INLINE __m256 dot_us8_avx2(__m256i u, __m256i s) {
    const __m256i p16 = _mm256_maddubs_epi16(u, s);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

VNNI INLINE __m256 dot_us8_vnni(__m256i u, __m256i s) {
    return _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s));
}

// Σ s8·s8 through |w| and sign(q, w), as llama.cpp does for signed weights.
INLINE __m256 dot_ss8(__m256i w, __m256i q, dot_us8_fn dot) {
    return dot(_mm256_sign_epi8(w, w), _mm256_sign_epi8(q, w));
}

INLINE float q4_1_row(const block_q4_1 *w, const rt_block_q8 *x, int nb, dot_us8_fn dot) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    float offsets[4] = {0, 0, 0, 0};
    for (int b = 0; b < nb; b++) {
        const int k = b & 3;
        offsets[k] += half_to_float(w[b].m) * x[b].s;
        const __m256 scale = _mm256_set1_ps(half_to_float(w[b].d) * x[b].d);
        const __m256i q = _mm256_loadu_si256((const __m256i *)x[b].qs);
        acc[k] = _mm256_fmadd_ps(dot(nibbles32(w[b].qs), q), scale, acc[k]);
    }
    const __m256 total = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    return hsum8(total) + ((offsets[0] + offsets[1]) + (offsets[2] + offsets[3]));
}

INLINE float q4_0_row(const block_q4_0 *w, const rt_block_q8 *x, int nb, dot_us8_fn dot) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int b = 0; b < nb; b++) {
        const __m256 scale = _mm256_set1_ps(half_to_float(w[b].d) * x[b].d);
        const __m256i wq = _mm256_sub_epi8(nibbles32(w[b].qs), _mm256_set1_epi8(8));
        const __m256i q = _mm256_loadu_si256((const __m256i *)x[b].qs);
        acc[b & 3] = _mm256_fmadd_ps(dot_ss8(wq, q, dot), scale, acc[b & 3]);
    }
    return hsum8(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

INLINE float q8_0_row(const block_q8_0 *w, const rt_block_q8 *x, int nb, dot_us8_fn dot) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int b = 0; b < nb; b++) {
        const __m256 scale = _mm256_set1_ps(half_to_float(w[b].d) * x[b].d);
        const __m256i wq = _mm256_loadu_si256((const __m256i *)w[b].qs);
        const __m256i q = _mm256_loadu_si256((const __m256i *)x[b].qs);
        acc[b & 3] = _mm256_fmadd_ps(dot_ss8(wq, q, dot), scale, acc[b & 3]);
    }
    return hsum8(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

static float dot_q4_0_avx2(const block_q4_0 *w, const rt_block_q8 *x, int nb) { return q4_0_row(w, x, nb, dot_us8_avx2); }
static float dot_q4_1_avx2(const block_q4_1 *w, const rt_block_q8 *x, int nb) { return q4_1_row(w, x, nb, dot_us8_avx2); }
static float dot_q8_0_avx2(const block_q8_0 *w, const rt_block_q8 *x, int nb) { return q8_0_row(w, x, nb, dot_us8_avx2); }
VNNI static float dot_q4_0_vnni(const block_q4_0 *w, const rt_block_q8 *x, int nb) { return q4_0_row(w, x, nb, dot_us8_vnni); }
VNNI static float dot_q4_1_vnni(const block_q4_1 *w, const rt_block_q8 *x, int nb) { return q4_1_row(w, x, nb, dot_us8_vnni); }
VNNI static float dot_q8_0_vnni(const block_q8_0 *w, const rt_block_q8 *x, int nb) { return q8_0_row(w, x, nb, dot_us8_vnni); }

// ---- dispatch ----------------------------------------------------------------------------

static int has_vnni(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") &&
                 __builtin_cpu_supports("avx512bw");
    }
    return cached;
}

const char *rt_kernel_isa(void) { return has_vnni() ? "avx512vnni" : "avx2"; }

#define MATVEC(name, block_t, avx2, vnni)                                                          \
    void name(const void *rows, size_t row_bytes, int nrows, const rt_block_q8 *x, int nb, float *y) { \
        const char *base = (const char *)rows;                                                     \
        if (has_vnni()) {                                                                          \
            for (int r = 0; r < nrows; r++) y[r] = vnni((const block_t *)(base + r * row_bytes), x, nb); \
        } else {                                                                                   \
            for (int r = 0; r < nrows; r++) y[r] = avx2((const block_t *)(base + r * row_bytes), x, nb); \
        }                                                                                          \
    }

MATVEC(rt_matvec_q4_0, block_q4_0, dot_q4_0_avx2, dot_q4_0_vnni)
MATVEC(rt_matvec_q4_1, block_q4_1, dot_q4_1_avx2, dot_q4_1_vnni)
MATVEC(rt_matvec_q8_0, block_q8_0, dot_q8_0_avx2, dot_q8_0_vnni)
