// Integer dot-product kernels for the decoder's matrix-vector products: activations quantized to
// int8 per block of 32 (llama.cpp's Q8_1 scheme), weight rows repacked in groups of four rows, and
// AVX2 (maddubs/madd) or AVX-512 VNNI (dpbusd) inner loops chosen at run time. Swift calls these
// through `Int8Matrix` and `Int8Activations` in RagTuneTensor.
#ifndef RAGTUNE_INT8_KERNELS_H
#define RAGTUNE_INT8_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// 32 activations as int8: x[j] ≈ d · qs[j]. `d` is the fp16-rounded scale (as ggml stores it),
/// `s` the fp16-rounded d · Σ qs (ggml's Q8_1 `s`, for Q4_1's offset term) and `sum` = Σ qs exactly.
typedef struct {
    float d;
    float s;
    int32_t sum;
    int8_t qs[32];
} rt_q8_block;

/// An activation taken out of its block before quantizing (the block holds 0 in its place): the
/// kernels add `value` × the exact weight. Block b's largest |x| becomes an outlier when it exceeds
/// `outlier_ratio` × the block's second largest, so the other 31 keep a fine step.
typedef struct {
    int32_t block;
    int32_t index; // 0..31 within the block
    float value;
} rt_q8_outlier;

/// Kernels (instruction sets).
enum { RT_INT8_AVX2 = 1, RT_INT8_AVX512_VNNI = 2 };

/// Weight types, with ggml's numbers.
enum { RT_TYPE_Q4_0 = 2, RT_TYPE_Q4_1 = 3, RT_TYPE_Q8_0 = 8 };

/// Rows per repacked group.
enum { RT_GROUP_ROWS = 4 };

/// 1 if this CPU (and OS) can run `kernel`, else 0.
int rt_int8_kernel_supported(int kernel);

/// Quantizes `n` floats (a multiple of 32) into n / 32 blocks: d = max|x| / 127, q = round(x / d)
/// to nearest even, as ggml's AVX2 `quantize_row_q8_1`. With `outlier_ratio` > 0, at most one
/// outlier per block is set aside first into `outliers` (room for n / 32); their number is returned.
int64_t rt_int8_quantize(const float *x, int64_t n, float outlier_ratio, rt_q8_block *out, rt_q8_outlier *outliers);

/// Bytes of one repacked group of 4 rows of `columns` weights of `type`, or 0 for an unsupported
/// type or a column count that is not a positive multiple of 32. Always a multiple of 64.
int64_t rt_int8_group_bytes(int type, int64_t columns);

/// Repacks `row_count` GGUF rows (`row_bytes` apart) into ceil(row_count / 4) groups at `packed`
/// (room for that many `rt_int8_group_bytes`). Missing rows of the last group are zero.
/// Returns 0, or -1 for an unsupported type or shape.
int rt_int8_repack(int type, const void *rows, int64_t row_bytes, int64_t row_count, int64_t columns,
                   void *packed);

/// y[r] = row r · x for the rows of groups [first_group, first_group + group_count), r counted from
/// the matrix's first row; rows at or past `row_count` are not written. `x` holds columns / 32
/// blocks and its `outlier_count` outliers. `kernel` must be supported (`rt_int8_kernel_supported`).
void rt_int8_matvec(int kernel, int type, const void *packed, int64_t first_group, int64_t group_count,
                    int64_t row_count, int64_t columns, const rt_q8_block *x, const rt_q8_outlier *outliers,
                    int64_t outlier_count, float *y);

/// The matrix-vector product of `rt_int8_matvec` for `tokens` activation vectors at once (prefill and
/// batched decode): token t's columns / 32 blocks start at x + t · columns / 32, its
/// outlier_counts[t] outliers at outliers + t · columns / 32, and its outputs go to y + t · ldy.
/// Each block of weights is unpacked once per four tokens.
void rt_int8_matmul(int kernel, int type, const void *packed, int64_t first_group, int64_t group_count,
                    int64_t row_count, int64_t columns, int64_t tokens, const rt_q8_block *x,
                    const rt_q8_outlier *outliers, const int64_t *outlier_counts, float *y, int64_t ldy);

/// Dequantizes rows [first_row, first_row + count) of a repacked matrix into `out` (row-major floats).
void rt_int8_dequantize(int type, const void *packed, int64_t first_row, int64_t count, int64_t columns,
                        float *out);

#endif
