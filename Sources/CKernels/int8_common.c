// CPU detection, activation quantization, repacking, dequantization and the matvec dispatch.
#include "int8_internal.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

int rt_int8_kernel_supported(int kernel) {
    __builtin_cpu_init();
    switch (kernel) {
    case RT_INT8_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case RT_INT8_AVX512_VNNI:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
    default:
        return 0;
    }
}

static inline float fp16_round(float v) { return _cvtsh_ss(_cvtss_sh(v, 0)); }

int64_t rt_int8_quantize(const float *x, int64_t n, float outlier_ratio, rt_q8_block *out, rt_q8_outlier *outliers) {
    int64_t count = 0;
    for (int64_t b = 0; b < n / 32; b++) {
        const float *xb = x + 32 * b;
        float amax = 0, second = 0;
        int top = 0;
        for (int j = 0; j < 32; j++) {
            const float a = fabsf(xb[j]);
            if (a > amax) {
                second = amax;
                amax = a;
                top = j;
            } else if (a > second) {
                second = a;
            }
        }
        int skip = -1;
        if (outlier_ratio > 0 && amax > outlier_ratio * second) {
            outliers[count++] = (rt_q8_outlier){.block = (int32_t)b, .index = top, .value = xb[top]};
            skip = top;
            amax = second;
        }
        const float d = amax / 127.0f, id = amax != 0 ? 127.0f / amax : 0.0f;
        int32_t sum = 0;
        for (int j = 0; j < 32; j++) {
            const int32_t q = j == skip ? 0 : (int32_t)nearbyintf(xb[j] * id); // ties to even, as _mm256_round_ps
            out[b].qs[j] = (int8_t)q;
            sum += q;
        }
        out[b].d = fp16_round(d);
        out[b].s = fp16_round(d * (float)sum);
        out[b].sum = sum;
    }
    return count;
}

static int supported_type(int type) {
    return type == RT_TYPE_Q4_0 || type == RT_TYPE_Q4_1 || type == RT_TYPE_Q8_0;
}

int64_t rt_int8_group_bytes(int type, int64_t columns) {
    if (!supported_type(type) || columns <= 0 || columns % 32 != 0) return 0;
    const int64_t blocks = columns / 32, chunks = (blocks + rt_chunk_blocks(type) - 1) / rt_chunk_blocks(type);
    return 64 * chunks + blocks * rt_quant_bytes(type);
}

// GGUF block sizes and where the quants start inside a block.
static int64_t gguf_block_bytes(int type) {
    return type == RT_TYPE_Q4_0 ? 18 : type == RT_TYPE_Q4_1 ? 20 : 34;
}

int rt_int8_repack(int type, const void *rows, int64_t row_bytes, int64_t row_count, int64_t columns,
                   void *packed) {
    const int64_t group_bytes = rt_int8_group_bytes(type, columns);
    if (group_bytes == 0 || row_count < 0 || row_bytes != columns / 32 * gguf_block_bytes(type)) return -1;
    const int64_t blocks = columns / 32, groups = (row_count + 3) / 4;
    const int64_t bb = gguf_block_bytes(type);
    memset(packed, 0, (size_t)(groups * group_bytes));
    for (int64_t g = 0; g < groups; g++) {
        uint8_t *group = (uint8_t *)packed + g * group_bytes;
        for (int r = 0; r < 4 && 4 * g + r < row_count; r++) {
            const uint8_t *row = (const uint8_t *)rows + (4 * g + r) * row_bytes;
            for (int64_t b = 0; b < blocks; b++) {
                const uint8_t *block = row + b * bb;
                uint8_t *scales = (uint8_t *)rt_block_scales(type, group, b);
                uint8_t *quants = (uint8_t *)rt_block_quants(type, group, b);
                memcpy(scales + 2 * r, block, 2); // d
                if (type == RT_TYPE_Q4_1) {
                    memcpy(scales + 8 + 2 * r, block + 2, 2); // m
                    memcpy(quants + 16 * r, block + 4, 16);
                } else if (type == RT_TYPE_Q4_0) {
                    memcpy(quants + 16 * r, block + 2, 16);
                } else {
                    memcpy(quants + 16 * r, block + 2, 16);
                    memcpy(quants + 64 + 16 * r, block + 18, 16);
                }
            }
        }
    }
    return 0;
}

// The same float operations as `Quantization.dequantize` (no fused multiply-add), so a repacked
// matrix dequantizes to exactly the floats of the GGUF rows.
#pragma clang fp contract(off)
static inline __attribute__((always_inline)) void dequantize_rows(int type, const void *packed, int64_t first_row,
                                                                  int64_t count, int64_t columns, float *out) {
    const int64_t group_bytes = rt_int8_group_bytes(type, columns);
    const int64_t blocks = columns / 32;
    for (int64_t i = 0; i < count; i++) {
        const int64_t row = first_row + i, r = row % 4;
        const uint8_t *group = (const uint8_t *)packed + row / 4 * group_bytes;
        float *y = out + i * columns;
        for (int64_t b = 0; b < blocks; b++, y += 32) {
            const uint8_t *scales = rt_block_scales(type, group, b), *quants = rt_block_quants(type, group, b);
            uint16_t h;
            memcpy(&h, scales + 2 * r, 2);
            const float d = _cvtsh_ss(h);
            if (type == RT_TYPE_Q8_0) {
                const int8_t *lo = (const int8_t *)(quants + 16 * r), *hi = lo + 64;
                for (int j = 0; j < 16; j++) {
                    y[j] = d * (float)lo[j];
                    y[j + 16] = d * (float)hi[j];
                }
                continue;
            }
            const uint8_t *qs = quants + 16 * r;
            if (type == RT_TYPE_Q4_0) {
                for (int j = 0; j < 16; j++) {
                    y[j] = ((float)(qs[j] & 0x0F) - 8) * d;
                    y[j + 16] = ((float)(qs[j] >> 4) - 8) * d;
                }
                continue;
            }
            memcpy(&h, scales + 8 + 2 * r, 2);
            const float m = _cvtsh_ss(h);
            for (int j = 0; j < 16; j++) {
                y[j] = (float)(qs[j] & 0x0F) * d + m;
                y[j + 16] = (float)(qs[j] >> 4) * d + m;
            }
        }
    }
}

// One copy per type, so the chunk arithmetic is shifts, not divisions.
void rt_int8_dequantize(int type, const void *packed, int64_t first_row, int64_t count, int64_t columns,
                        float *out) {
    if (rt_int8_group_bytes(type, columns) == 0) return;
    switch (type) {
    case RT_TYPE_Q4_0: dequantize_rows(RT_TYPE_Q4_0, packed, first_row, count, columns, out); break;
    case RT_TYPE_Q4_1: dequantize_rows(RT_TYPE_Q4_1, packed, first_row, count, columns, out); break;
    default: dequantize_rows(RT_TYPE_Q8_0, packed, first_row, count, columns, out); break;
    }
}

// The four rows' weight `index` of block b of a group, as floats (the dequantization's operations,
// so each is the exact stored weight).
static inline __attribute__((always_inline)) __m128 weights4(int type, const uint8_t *group, int64_t b, int index) {
    const uint8_t *scales = rt_block_scales(type, group, b), *quants = rt_block_quants(type, group, b);
    const __m128 d = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)scales));
    const int k = index % 16;
    if (type == RT_TYPE_Q8_0) {
        const int8_t *q = (const int8_t *)quants + (index < 16 ? 0 : 64) + k;
        return _mm_mul_ps(d, _mm_cvtepi32_ps(_mm_setr_epi32(q[0], q[16], q[32], q[48])));
    }
    __m128i q = _mm_setr_epi32(quants[k], quants[16 + k], quants[32 + k], quants[48 + k]);
    q = _mm_and_si128(index < 16 ? q : _mm_srli_epi32(q, 4), _mm_set1_epi32(0x0F));
    const __m128 qf = _mm_cvtepi32_ps(q);
    if (type == RT_TYPE_Q4_0) return _mm_mul_ps(_mm_sub_ps(qf, _mm_set1_ps(8)), d);
    return _mm_add_ps(_mm_mul_ps(qf, d), _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(scales + 8))));
}

// out[r] += value × the exact weight of row r, for each set-aside activation.
static inline __attribute__((always_inline)) void outliers_of(int type, const uint8_t *group, const rt_q8_outlier *outliers,
                                                              int64_t count, float out[4]) {
    __m128 sum = _mm_loadu_ps(out);
    for (int64_t o = 0; o < count; o++) {
        const __m128 w = weights4(type, group, outliers[o].block, outliers[o].index);
        sum = _mm_add_ps(sum, _mm_mul_ps(_mm_set1_ps(outliers[o].value), w));
    }
    _mm_storeu_ps(out, sum);
}

// One copy per type, so the chunk arithmetic is shifts, not divisions.
static void add_outliers(int type, const uint8_t *group, const rt_q8_outlier *outliers, int64_t count, float out[4]) {
    switch (type) {
    case RT_TYPE_Q4_0: outliers_of(RT_TYPE_Q4_0, group, outliers, count, out); break;
    case RT_TYPE_Q4_1: outliers_of(RT_TYPE_Q4_1, group, outliers, count, out); break;
    default: outliers_of(RT_TYPE_Q8_0, group, outliers, count, out); break;
    }
}

void rt_int8_matvec(int kernel, int type, const void *packed, int64_t first_group, int64_t group_count,
                    int64_t row_count, int64_t columns, const rt_q8_block *x, const rt_q8_outlier *outliers,
                    int64_t outlier_count, float *y) {
    const int64_t group_bytes = rt_int8_group_bytes(type, columns);
    if (group_bytes == 0) return;
    const int64_t blocks = columns / 32;
    for (int64_t g = first_group; g < first_group + group_count; g++) {
        const uint8_t *group = (const uint8_t *)packed + g * group_bytes;
        float out[4];
        if (kernel == RT_INT8_AVX512_VNNI) {
            rt_int8_group_avx512(type, group, blocks, x, out);
        } else {
            rt_int8_group_avx2(type, group, blocks, x, out);
        }
        if (outlier_count > 0) add_outliers(type, group, outliers, outlier_count, out);
        const int64_t rows = row_count - 4 * g < 4 ? row_count - 4 * g : 4;
        for (int64_t r = 0; r < rows; r++) y[4 * g + r] = out[r];
    }
}

void rt_int8_matmul(int kernel, int type, const void *packed, int64_t first_group, int64_t group_count,
                    int64_t row_count, int64_t columns, int64_t tokens, const rt_q8_block *x,
                    const rt_q8_outlier *outliers, const int64_t *outlier_counts, float *y, int64_t ldy) {
    const int64_t group_bytes = rt_int8_group_bytes(type, columns);
    if (group_bytes == 0) return;
    const int64_t blocks = columns / 32;
    // Four tokens at a time over every group: the tokens' blocks stay in L1 while the groups stream
    // from L2, and each group's weights are unpacked once per four tokens.
    for (int64_t t0 = 0; t0 < tokens; t0 += 4) {
        const int n = tokens - t0 < 4 ? (int)(tokens - t0) : 4;
        const rt_q8_block *xs[4];
        for (int t = 0; t < n; t++) xs[t] = x + (t0 + t) * blocks;
        for (int64_t g = first_group; g < first_group + group_count; g++) {
            const uint8_t *group = (const uint8_t *)packed + g * group_bytes;
            float out[4][4];
            if (kernel == RT_INT8_AVX512_VNNI) {
                rt_int8_tokens_avx512(type, n, group, blocks, xs, out);
            } else {
                rt_int8_tokens_avx2(type, n, group, blocks, xs, out);
            }
            const int64_t rows = row_count - 4 * g < 4 ? row_count - 4 * g : 4;
            for (int t = 0; t < n; t++) {
                const int64_t count = outlier_counts[t0 + t];
                if (count > 0) add_outliers(type, group, outliers + (t0 + t) * blocks, count, out[t]);
                float *yt = y + (t0 + t) * ldy;
                for (int64_t r = 0; r < rows; r++) yt[4 * g + r] = out[t][r];
            }
        }
    }
}
