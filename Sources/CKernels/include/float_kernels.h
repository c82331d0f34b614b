// Float32 kernels of the decode step besides the matrix products: attention of one query over the
// KV cache and the SwiGLU gate, with a vectorized e^x (AVX2 + FMA, which every supported machine
// has). Swift calls these through `Kernels` in RagTuneTensor.
#ifndef RAGTUNE_FLOAT_KERNELS_H
#define RAGTUNE_FLOAT_KERNELS_H

#include <stdint.h>

/// gate[i] = silu(gate[i]) · up[i] = gate[i] / (1 + e^(−gate[i])) · up[i].
void rt_swiglu(float *gate, const float *up, int64_t count);

/// In-place softmax of `count` floats: x ← e^(x − max) / Σ e^(x − max). Entries of −∞ become 0.
void rt_softmax(float *x, int64_t count);

/// One query head's attention over `positions` cached positions: s_t = scale · q·k_t, p = softmax(s),
/// out = Σ_t p_t v_t. Position t's key and value (`head_size` floats each) are at keys + t · stride and
/// values + t · stride. `head_size` is a multiple of 8; `scores` has room for `positions` floats.
void rt_attend(const float *query, const float *keys, const float *values, int64_t stride, int64_t positions,
               int64_t head_size, float scale, float *scores, float *out);

#endif
