/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The operations the forward passes are written against (DESIGN.md,
 * "Engine"). Activations are float32 arrays owned by the caller; weights
 * are views of checkpoint tensors in their stored type, widened as they are
 * used. The CPU backend (backend-cpu.c) is the reference; others implement
 * the same table.
 */
#pragma once

#include "safetensors.h"
#include "vila.h"

G_BEGIN_DECLS

/* A weight matrix [rows][cols] (a Linear's [out][in]) or vector (rows 1).
 * @data is the checkpoint's bytes (mapped); a backend that computes
 * elsewhere keeps its own copy in @device, of type @device_type, made by
 * its bind(). */
typedef struct {
  VilaTensorType type;
  const guint8  *data;
  gsize          rows;
  gsize          cols;
  gpointer       device;
  VilaTensorType device_type;
} VilaMatrix;

/* Views the tensor as a matrix: 2-D as it is, 1-D as one row, more
 * dimensions folded into the columns (a conv kernel as [out][in*kh*kw]). */
VilaMatrix vila_matrix_from_tensor (const VilaTensor *tensor);

float      vila_f16_to_f32         (guint16 half);
float      vila_bf16_to_f32        (guint16 bf16);
/* Row @row of @m widened to float32 into @out[m->cols]. */
void       vila_matrix_row         (const VilaMatrix *m,
                                    gsize             row,
                                    float            *out);

/* Activations (float *) live where the backend computes: host memory for
 * the CPU, GPU memory for CUDA. They are made with alloc() and reach the
 * host only through download(); operations may run asynchronously, in
 * order, until a download waits for them. */
typedef struct {
  const char *name;
  /* Allocate a session's key/value cache for the model's whole context at
   * once (a GPU: its memory was checked at load, and decoding then
   * allocates nothing) rather than growing it as the chat does. */
  gboolean    reserve_whole_context;

  /* NULL when the memory is not there (a GPU out of memory) */
  float   *(*alloc)       (gsize n_floats);
  void     (*free)        (float *buffer);
  void     (*upload)      (float *dst, const float *host_src, gsize n_floats);
  void     (*download)    (float *host_dst, const float *src, gsize n_floats);
  void     (*copy)        (float *dst, const float *src, gsize n_floats);
  /* Makes @m usable by this backend, once, at load (the CPU reads the
   * mapped file as it is; CUDA uploads it); release() undoes it. */
  gboolean (*bind)        (VilaMatrix *m, GError **error);
  void     (*release)     (VilaMatrix *m);

  /* out[n][w.rows] = x[n][w.cols] · wᵀ (+ bias[w.rows]) */
  void (*matmul)      (float *out, const float *x, gsize n, const VilaMatrix *w, const VilaMatrix *bias);
  /* Llama's RMSNorm over rows of @dim: x / sqrt(mean(x²) + eps) * weight */
  void (*rms_norm)    (float *out, const float *x, gsize n, gsize dim, const VilaMatrix *weight, float eps);
  /* LayerNorm with affine weight and bias */
  void (*layer_norm)  (float *out, const float *x, gsize n, gsize dim, const VilaMatrix *weight,
                       const VilaMatrix *bias, float eps);
  /* Rotary embedding in place, transformers' rotate_half layout: each head's
   * first half pairs with its second. Row i is at position @start + i.
   * @inv_freq (host memory) has head_dim / 2 entries. */
  void (*rope)        (float *x, gsize n, gsize n_heads, gsize head_dim, gsize start,
                       const float *inv_freq);
  /* Scaled dot-product attention of @n_q queries (at positions @q_start
   * onwards) over @n_kv keys/values; heads share key/value heads in groups
   * (GQA). Causal: query i sees keys 0 .. q_start + i. Rows are
   * [n][heads * head_dim]. */
  void (*attention)   (float *out, const float *q, const float *k, const float *v, gsize n_q, gsize n_kv,
                       gsize q_start, gsize n_heads, gsize n_kv_heads, gsize head_dim, gboolean causal);
  /* gate = silu(gate) * up */
  void (*silu_mul)    (float *gate, const float *up, gsize n);
  /* In place: tanh-approximated, exact (erf) and CLIP's quick GELU */
  void (*gelu_tanh)   (float *x, gsize n);
  void (*gelu_erf)    (float *x, gsize n);
  void (*quick_gelu)  (float *x, gsize n);
  /* x += y */
  void (*add)         (float *x, const float *y, gsize n);
  /* mlp_downsample's DownSampleBlock: the [grid][grid][channels] features
   * zero-padded at the bottom and right to a multiple of @m, each m x m
   * block concatenated row-major into one token of m*m*channels; tokens
   * in raster order, or column-major. */
  void (*downsample)  (float *out, const float *features, gsize grid, gsize channels, gsize m,
                       gboolean column_major);
  /* out[i] = row ids[i] of @table, widened; @ids in host memory */
  void (*embed)       (float *out, const VilaMatrix *table, const gint32 *ids, gsize n);
  /* The first index of the largest of @x[n]: greedy decoding without the
   * logits leaving the backend. */
  gint32 (*argmax)    (const float *x, gsize n);
  /* The next token from @logits as vila_sample() draws it, with @uniform
   * as its random number (vila_sample_uniform(); unused when greedy) and
   * the penalty over @history (host memory) applied to @logits in place.
   * NULL where logits are host memory anyway. */
  gint32 (*sample)    (float *logits, gsize vocab, const VilaSamplingParams *params, const gint32 *history,
                       gsize n_history, double uniform);
  /* cache[start + i] = rows[i] for rows of @width: new keys and values */
  void (*kv_store)    (float *cache, const float *rows, gsize start, gsize n, gsize width);

  /* Fusions for decoding; each may be NULL or return FALSE (having done
   * nothing) where it does not apply, and the caller then runs the plain
   * operations it stands for, written beside each.
   *   outs[j] = x · ws[j]ᵀ (+ biases[j]), j < count ≤ 3   (matmul…) */
  gboolean (*matmuls)      (const float *x, gsize n, guint count, float * const *outs,
                            const VilaMatrix * const *ws, const VilaMatrix * const *biases);
  /*   gate = silu(x · w_gateᵀ) * (x · w_upᵀ)     (matmul; matmul; silu_mul) */
  gboolean (*gate_up)      (float *gate, const float *x, gsize n, const VilaMatrix *w_gate,
                            const VilaMatrix *w_up);
  /*   out += x · wᵀ     (matmul; add) */
  gboolean (*matmul_add)   (float *out, const float *x, gsize n, const VilaMatrix *w);
  /*   rope (q); rope (k); kv_store (cache_k, k); kv_store (cache_v, v) */
  gboolean (*rope_store)   (float *q, const float *k, const float *v, gsize n, gsize n_heads, gsize n_kv_heads,
                            gsize head_dim, gsize start, const float *inv_freq, float *cache_k, float *cache_v);

  /* Decoding steps replayed as one launch (CUDA graphs); NULL where the
   * backend runs each operation as it is called. Between step_begin() and
   * step_end() operations are recorded, not run, and rope(), kv_store()
   * and attention() take the position from the step when it is replayed
   * (attention's queries then follow every cached key). step_begin() gets
   * the widest input of a product (floats per row); step_end() returns
   * NULL when recording failed. */
  gpointer (*step_begin)  (gsize max_floats);
  gpointer (*step_end)    (void);
  void     (*step_replay) (gpointer step, gsize position);
  void     (*step_free)   (gpointer step);
} VilaBackendOps;

extern const VilaBackendOps vila_cpu_backend;

#if VILA_HAVE_CUDA
/* The CUDA backend with weights on the GPU in @dtype; NULL and @error when
 * no usable GPU (or cuBLAS) is there. */
const VilaBackendOps *vila_cuda_backend_get (int      dtype,
                                             GError **error);
/* Bytes of GPU memory free for us: cudaMemGetInfo's, capped by the
 * VILA_CUDA_MEMORY_LIMIT_MB environment variable (to share a GPU). */
gboolean              vila_cuda_memory_info (guint64 *free_bytes,
                                             guint64 *total_bytes,
                                             GError **error);
/* Device-to-device copy speed (bytes read + written per second). */
double                vila_cuda_copy_bandwidth (void);
const char           *vila_cuda_device_name (void);
/* Times the products of a decoding step at these sizes in every shape
 * of the product kernel, into @report (kernel-bench.c). */
gboolean              vila_cuda_bench_products (guint     hidden,
                                                guint     intermediate,
                                                guint     q_width,
                                                guint     kv_width,
                                                guint     vocab,
                                                guint     n_layers,
                                                GString  *report,
                                                GError  **error);
#endif

/* Reports binding (an upload to a GPU: seconds for a large model) as a
 * fraction between @from and @to of a load, and stops it when @cancel is
 * set. */
typedef struct {
  void        (*func) (double fraction, const char *what, gpointer data);
  gpointer      data;
  const gint   *cancel;
  guint64       done;     /* bytes bound so far */
  guint64       total;    /* bytes to bind in all */
  double        from, to;
} VilaBindProgress;

/* Binds @m and remembers it in @bound (VilaMatrix pointers), so that
 * vila_backend_release_all() can undo every bind of a model part.
 * @progress may be NULL. */
gboolean vila_backend_bind        (const VilaBackendOps *ops,
                                   GPtrArray            *bound,
                                   VilaMatrix           *m,
                                   VilaBindProgress     *progress,
                                   GError              **error);
void     vila_backend_release_all (const VilaBackendOps *ops,
                                   GPtrArray            *bound);

G_END_DECLS
