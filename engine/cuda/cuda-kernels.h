/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Our CUDA kernels, behind plain C launchers so that the backend
 * (backend-cuda.c) stays C. Every launcher enqueues on @stream and returns
 * at once; activations are float32, weights float32, float16 or bfloat16.
 * The arithmetic follows the CPU backend (backend-cpu.c) operation by
 * operation, so that the two agree to rounding.
 */
#pragma once

#include <stddef.h>
#include <cuda_runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  VC_F32,
  VC_F16,
  VC_BF16,
} VcType;

/* The longest head the rotary and attention kernels take. */
#define VC_MAX_HEAD_DIM 256

/* dst[i] = src[i] converted (round to nearest even) */
cudaError_t vc_convert     (void *dst, VcType dst_type, const void *src, VcType src_type, size_t n,
                            cudaStream_t stream);
/* out[rows] = w[rows][cols] · x[cols] (+ bias) for half or bfloat16 @w:
 * one input row, as decoding has. Needs @cols a multiple of 8 and @w, @x
 * 16-byte aligned (cudaErrorInvalidValue otherwise). */
int         vc_gemv_supports (size_t cols);
cudaError_t vc_gemv        (float *out, const void *w, VcType type, const float *x, const float *bias,
                            size_t rows, size_t cols, cudaStream_t stream);
/* Decoding's products (see fused_gemv_kernel): one input row. */
#define VC_GEMV_MAX_JOBS 3
typedef enum {
  VC_GEMV_PLAIN,    /* out[j] = w[j] · x (+ bias[j]) for each job */
  VC_GEMV_ADD,      /* out[0] += w[0] · x */
  VC_GEMV_SILU,     /* out[0] = silu(w[0] · x) * (w[1] · x) */
} VcGemvMode;

typedef struct {
  const void  *w[VC_GEMV_MAX_JOBS];     /* [rows][cols], half or bfloat16 */
  float       *out[VC_GEMV_MAX_JOBS];
  const float *bias[VC_GEMV_MAX_JOBS];  /* or NULL */
  int          rows[VC_GEMV_MAX_JOBS];
  int          first_row[VC_GEMV_MAX_JOBS];  /* set by vc_fused_gemv() */
  int          n_jobs;
  VcGemvMode   mode;
} VcGemvJobs;

/* The product kernel's shapes (rows per warp, loads in flight), to be
 * measured against each other (kernel-bench.c). Until one is set (or
 * after -1) launches take VILA_GEMV_VARIANT's, or the default. */
int         vc_gemv_variant_count (void);
void        vc_gemv_set_variant (int variant);
/* Same alignment rules as vc_gemv(). */
cudaError_t vc_fused_gemv  (const VcGemvJobs *jobs, VcType type, const float *x, size_t cols, cudaStream_t stream);
/* One row: q rotated in place, k rotated into @cache_k and v copied into
 * @cache_v at the position (@start, or *@position when recorded). */
cudaError_t vc_rope_store  (float *q, const float *k, const float *v, size_t n_heads, size_t n_kv_heads,
                            size_t head_dim, size_t start, const int *position, const float *inv_freq,
                            float *cache_k, float *cache_v, cudaStream_t stream);
/* out[i][j] += bias[j] for rows of @cols */
cudaError_t vc_bias_add    (float *out, const float *bias, size_t n, size_t cols, cudaStream_t stream);
cudaError_t vc_rms_norm    (float *out, const float *x, size_t n, size_t dim, const float *weight, float eps,
                            cudaStream_t stream);
cudaError_t vc_layer_norm  (float *out, const float *x, size_t n, size_t dim, const float *weight,
                            const float *bias, float eps, cudaStream_t stream);
/* @position: NULL, or device memory holding the position to use instead
 * of @start (and for attention, of @q_start, with n_kv = it + n_q) when
 * the kernel runs: how a recorded decoding step (a CUDA graph) fits every
 * later step. */

/* @inv_freq: head_dim / 2 values in host memory (passed by value) */
cudaError_t vc_rope        (float *x, size_t n, size_t n_heads, size_t head_dim, size_t start,
                            const int *position, const float *inv_freq, cudaStream_t stream);
/* cache[start + i] = rows[i], rows of @width */
cudaError_t vc_kv_store    (float *cache, const float *rows, size_t start, const int *position, size_t n,
                            size_t width, cudaStream_t stream);
/* How many parts to split each (query, head)'s keys into so that the GPU
 * is busy; vc_attention() then needs @partial of
 * n_q * n_heads * splits * (head_dim + 2) floats. */
size_t      vc_attention_splits (size_t n_q, size_t n_kv, size_t n_heads, int n_multiprocessors);
cudaError_t vc_attention   (float *out, float *partial, size_t n_splits, const float *q, const float *k,
                            const float *v, size_t n_q, size_t n_kv, size_t q_start, const int *position,
                            size_t n_heads, size_t n_kv_heads, size_t head_dim, int causal, cudaStream_t stream);
/* Softmax in place over the visible part of each row of @scores
 * ([n_heads][n_rows][n_kv]); query i of the rows is at position
 * @first_query + i. */
cudaError_t vc_softmax_rows (float *scores, size_t n_heads, size_t n_rows, size_t n_kv, size_t first_query,
                             int causal, cudaStream_t stream);
/* *@result (device) = the first index of the largest of @x[n] */
cudaError_t vc_argmax      (const float *x, size_t n, int *result, cudaStream_t stream);
/* Sampling (cuda-sample.cu): the repetition penalty over @history (device
 * ids; repeats and ids outside the vocabulary ignored) applied to @logits
 * in place, then greedy (temperature <= 0) or the draw vila_sample_draw()
 * makes with @uniform, into *@result (device). @scratch: device memory of
 * vc_sample_scratch_bytes(@vocab) (0 for a vocabulary it cannot take). */
size_t      vc_sample_scratch_bytes (size_t vocab);
cudaError_t vc_sample      (float *logits, size_t vocab, const int *history, size_t n_history, float penalty,
                            float temperature, unsigned top_k, float top_p, double uniform, void *scratch,
                            size_t scratch_bytes, int *result, cudaStream_t stream);
/* mlp_downsample's block merge (see backend.h) */
cudaError_t vc_downsample  (float *out, const float *features, size_t grid, size_t channels, size_t m,
                            int column_major, cudaStream_t stream);
cudaError_t vc_silu_mul    (float *gate, const float *up, size_t n, cudaStream_t stream);
cudaError_t vc_gelu_tanh   (float *x, size_t n, cudaStream_t stream);
cudaError_t vc_gelu_erf    (float *x, size_t n, cudaStream_t stream);
cudaError_t vc_quick_gelu  (float *x, size_t n, cudaStream_t stream);
cudaError_t vc_add         (float *x, const float *y, size_t n, cudaStream_t stream);
/* out[i] = row ids[i] of @table ([rows][cols] of @type); @ids on the device */
cudaError_t vc_embed       (float *out, const void *table, VcType type, size_t cols, const int *ids, size_t n,
                            cudaStream_t stream);

#ifdef __cplusplus
}
#endif
