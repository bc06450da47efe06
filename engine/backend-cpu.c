/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CPU backend: plain loops over plain arrays, float32 arithmetic with
 * float64 only where the reference accumulates in it. It is the reference
 * the other backends are checked against, so it favours being obviously
 * right; speed comes in its own files (threads, BLAS, SIMD).
 */
#define G_LOG_DOMAIN "vila-cpu"

#include "config.h"

#include <math.h>
#include <string.h>

#include "backend.h"
#include "cpu-gemm.h"
#include "cpu-kernels.h"
#include "large-pages.h"
#include "vila.h"

#include "blas.h"

float
vila_bf16_to_f32 (guint16 bf16)
{
  guint32 bits = (guint32) bf16 << 16;
  float value;

  memcpy (&value, &bits, sizeof value);
  return value;
}

float
vila_f16_to_f32 (guint16 half)
{
  guint32 sign = (guint32) (half & 0x8000) << 16;
  guint32 exponent = (half >> 10) & 0x1f;
  guint32 mantissa = half & 0x3ff;
  guint32 bits;
  float value;

  if (exponent == 0x1f)
    bits = sign | 0x7f800000 | (mantissa << 13);        /* inf, nan */
  else if (exponent != 0)
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  else if (mantissa == 0)
    bits = sign;
  else
    {
      /* Subnormal: normalise the mantissa. */
      exponent = 113;
      while ((mantissa & 0x400) == 0)
        {
          mantissa <<= 1;
          exponent--;
        }
      bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
    }
  memcpy (&value, &bits, sizeof value);
  return value;
}

VilaMatrix
vila_matrix_from_tensor (const VilaTensor *tensor)
{
  VilaMatrix m = { tensor->type, tensor->data, 1, 1, NULL, tensor->type };

  if (tensor->n_dims >= 2)
    {
      m.rows = tensor->shape[0];
      m.cols = tensor->shape[0] ? tensor->n_elements / tensor->shape[0] : 0;
    }
  else
    m.cols = tensor->n_elements;
  return m;
}

void
vila_matrix_row (const VilaMatrix *m,
                 gsize             row,
                 float            *out)
{
  gsize i;

  switch (m->type)
    {
    case VILA_TENSOR_F32:
      memcpy (out, m->data + row * m->cols * 4, m->cols * sizeof (float));
      break;
    case VILA_TENSOR_BF16:
      {
        const guint8 *p = m->data + row * m->cols * 2;
        gsize cols = m->cols;

        /* bf16 is the top half of a float32: a shift the compiler can
         * vectorize, where a call per element could not be (the length in
         * a local: read through @m, it might change with every store). */
        for (i = 0; i < cols; i++)
          {
            guint16 v;
            guint32 bits;

            memcpy (&v, p + i * 2, 2);
            bits = (guint32) GUINT16_FROM_LE (v) << 16;
            memcpy (out + i, &bits, 4);
          }
      }
      break;
    case VILA_TENSOR_F16:
      {
        const guint8 *p = m->data + row * m->cols * 2;

        for (i = 0; i < m->cols; i++)
          {
            guint16 v;
            memcpy (&v, p + i * 2, 2);
            out[i] = vila_f16_to_f32 (GUINT16_FROM_LE (v));
          }
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Many input rows (prefill, the vision tower): our own product where the
 * CPU has AVX2 (cpu-gemm.c), else OpenBLAS's sgemm where the system has
 * it (blas.c; single-threaded inside our pool's threads: two pools taking
 * turns on two cores spent a tenth of prefill in the scheduler) on blocks
 * of widened weights, the row kernels otherwise. */
typedef struct {
  float            *out;
  const float      *x;
  gsize             n;
  const VilaMatrix *w;
  const float      *bias;
  VilaSgemmFunc     sgemm;
} GemmJob;

enum { GEMM_BLOCK_ROWS = 128 };

/* Blocks [first, last) of GEMM_BLOCK_ROWS weight rows: each widened to
 * float32 in this thread's buffer, then multiplied by all inputs. */
static void
gemm_blocks (gpointer data,
             gsize    first,
             gsize    last)
{
  GemmJob *job = data;
  const VilaMatrix *w = job->w;
  float *block = vila_cpu_scratch (VILA_CPU_SCRATCH_WORK, GEMM_BLOCK_ROWS * w->cols);

  for (gsize b = first; b < last; b++)
    {
      gsize j0 = b * GEMM_BLOCK_ROWS, rows = MIN (GEMM_BLOCK_ROWS, w->rows - j0);

      vila_cpu_widen_rows (w, j0, rows, block);
      job->sgemm (VILA_BLAS_ROW_MAJOR, VILA_BLAS_NO_TRANS, VILA_BLAS_TRANS, job->n, rows, w->cols, 1.0f, job->x,
                  w->cols, block, w->cols, 0.0f, job->out + j0, w->rows);
      if (job->bias != NULL)
        vila_cpu_add_bias (job->out, job->n, w->rows, job->bias, j0, rows);
    }
}

/* Many input rows: a matrix-matrix product, weight rows shared out in
 * blocks across the pool. */
static void
matmul_gemm (float            *out,
             const float      *x,
             gsize             n,
             const VilaMatrix *w,
             const float      *bias,
             VilaSgemmFunc     sgemm)
{
  GemmJob job = { out, x, n, w, bias, sgemm };

  vila_cpu_parallel_for ((w->rows + GEMM_BLOCK_ROWS - 1) / GEMM_BLOCK_ROWS, 1, gemm_blocks, &job);
}

/* Few input rows (decoding): the rows of one or several weight matrices
 * with the same input (q, k and v; gate and up) as one job, split across
 * the threads so that each streams its share without stopping to meet
 * the others between matrices. */
typedef struct {
  const float      *x;
  gsize             n;
  guint             count;
  float            *outs[3];
  const VilaMatrix *ws[3];
  const float      *biases[3];
  gsize             ends[3];
} MatmulsJob;

static void
matmuls_range (gpointer data,
               gsize    first,
               gsize    last)
{
  MatmulsJob *job = data;

  for (guint j = 0; j < job->count; j++)
    {
      gsize begin = j > 0 ? job->ends[j - 1] : 0;
      gsize lo = MAX (first, begin), hi = MIN (last, job->ends[j]);

      if (lo < hi)
        vila_cpu_matmul_rows (job->outs[j], job->x, job->n, job->ws[j], job->biases[j], lo - begin, hi - begin);
    }
}

static gboolean
cpu_matmuls (const float              *x,
             gsize                     n,
             guint                     count,
             float * const            *outs,
             const VilaMatrix * const *ws,
             const VilaMatrix * const *biases)
{
  MatmulsJob job = { x, n, count };
  g_autofree float *bias_values = NULL;
  gsize bias_floats = 0;

  if (n >= 16 && (vila_cpu_gemm_available () || vila_blas_sgemm () != NULL))
    return FALSE;
  g_return_val_if_fail (count <= G_N_ELEMENTS (job.outs), FALSE);
  for (guint j = 0; j < count; j++)
    bias_floats += biases ? ws[j]->rows : 0;
  bias_values = biases ? g_new (float, bias_floats) : NULL;
  bias_floats = 0;
  for (guint j = 0; j < count; j++)
    {
      job.outs[j] = outs[j];
      job.ws[j] = ws[j];
      job.ends[j] = (j > 0 ? job.ends[j - 1] : 0) + ws[j]->rows;
      if (biases != NULL)
        {
          vila_matrix_row (biases[j], 0, bias_values + bias_floats);
          job.biases[j] = bias_values + bias_floats;
          bias_floats += ws[j]->rows;
        }
    }
  vila_cpu_parallel_for (job.ends[count - 1], 16, matmuls_range, &job);
  return TRUE;
}

static void
cpu_matmul (float            *out,
            const float      *x,
            gsize             n,
            const VilaMatrix *w,
            const VilaMatrix *bias)
{
  const VilaMatrix * const biases[] = { bias };
  g_autofree float *b = NULL;

  if (cpu_matmuls (x, n, 1, &out, &w, bias != NULL ? biases : NULL))
    return;
  if (bias != NULL)
    {
      b = g_new (float, bias->cols);
      vila_matrix_row (bias, 0, b);
    }
  if (!vila_cpu_gemm (out, x, n, w, b))
    matmul_gemm (out, x, n, w, b, vila_blas_sgemm ());
}

static void cpu_silu_mul (float       *gate,
                          const float *up,
                          gsize        n);

static gboolean
cpu_gate_up (float            *gate,
             const float      *x,
             gsize             n,
             const VilaMatrix *w_gate,
             const VilaMatrix *w_up)
{
  const VilaMatrix *ws[] = { w_gate, w_up };
  g_autofree float *up = g_new (float, n * w_up->rows);
  float * const outs[] = { gate, up };

  if (!cpu_matmuls (x, n, 2, outs, ws, NULL))
    return FALSE;
  cpu_silu_mul (gate, up, n * w_up->rows);
  return TRUE;
}

static void
cpu_rms_norm (float            *out,
              const float      *x,
              gsize             n,
              gsize             dim,
              const VilaMatrix *weight,
              float             eps)
{
  g_autofree float *w = g_new (float, dim);

  vila_matrix_row (weight, 0, w);
  for (gsize i = 0; i < n; i++)
    {
      const float *xi = x + i * dim;
      float *oi = out + i * dim;
      float sum = 0.0f;
      float scale;

      for (gsize k = 0; k < dim; k++)
        sum += xi[k] * xi[k];
      scale = 1.0f / sqrtf (sum / dim + eps);
      for (gsize k = 0; k < dim; k++)
        oi[k] = w[k] * (xi[k] * scale);
    }
}

static void
cpu_layer_norm (float            *out,
                const float      *x,
                gsize             n,
                gsize             dim,
                const VilaMatrix *weight,
                const VilaMatrix *bias,
                float             eps)
{
  g_autofree float *w = g_new (float, dim);
  g_autofree float *b = g_new (float, dim);

  vila_matrix_row (weight, 0, w);
  vila_matrix_row (bias, 0, b);
  for (gsize i = 0; i < n; i++)
    {
      const float *xi = x + i * dim;
      float *oi = out + i * dim;
      float mean = 0.0f, var = 0.0f, scale;

      for (gsize k = 0; k < dim; k++)
        mean += xi[k];
      mean /= dim;
      for (gsize k = 0; k < dim; k++)
        var += (xi[k] - mean) * (xi[k] - mean);
      scale = 1.0f / sqrtf (var / dim + eps);
      for (gsize k = 0; k < dim; k++)
        oi[k] = (xi[k] - mean) * scale * w[k] + b[k];
    }
}

static void
cpu_rope (float       *x,
          gsize        n,
          gsize        n_heads,
          gsize        head_dim,
          gsize        start,
          const float *inv_freq)
{
  gsize half = head_dim / 2;

  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < half; j++)
      {
        /* As transformers: the angle in float32, then cos and sin. */
        float angle = (float) (gint32) (start + i) * inv_freq[j];
        float c = cosf (angle), s = sinf (angle);

        for (gsize h = 0; h < n_heads; h++)
          {
            float *head = x + (i * n_heads + h) * head_dim;
            float a = head[j], b = head[j + half];

            head[j] = a * c - b * s;
            head[j + half] = b * c + a * s;
          }
      }
}

typedef struct {
  float       *out;
  const float *q, *k, *v;
  gsize        n_q, n_kv, q_start, n_heads, n_kv_heads, head_dim;
  gboolean     causal;
  VilaSgemmFunc sgemm;
} AttentionJob;

/* Queries a block of scores holds: its rows stay a few MB, however long
 * the context (whole heads of scores took n² floats a thread, 2 GB for a
 * prefill of 23,000 positions, all of it memory to fault in), and causal
 * blocks stop at the last key their queries see. */
#define ATTENTION_QUERY_BLOCK 128

/* Items [first, last), each a block of one head's queries (heads outer,
 * so neighbouring items read the same keys): scores = Q·Kᵀ and
 * out = softmax(scores)·V as matrix products; heads are interleaved in
 * the rows, so each is a strided view. */
static void
attention_blocks (gpointer data,
                  gsize    first,
                  gsize    last)
{
  AttentionJob *a = data;
  gsize n_blocks = (a->n_q + ATTENTION_QUERY_BLOCK - 1) / ATTENTION_QUERY_BLOCK;
  float *scores = vila_cpu_scratch (VILA_CPU_SCRATCH_WORK, MIN (a->n_q, ATTENTION_QUERY_BLOCK) * a->n_kv);
  gsize group = a->n_heads / a->n_kv_heads, head_dim = a->head_dim;
  gsize q_stride = a->n_heads * head_dim, kv_stride = a->n_kv_heads * head_dim;
  float scale = 1.0f / sqrtf ((float) head_dim);

  for (gsize item = first; item < last; item++)
    {
      gsize h = item / n_blocks, i0 = (item % n_blocks) * ATTENTION_QUERY_BLOCK;
      gsize rows = MIN (ATTENTION_QUERY_BLOCK, a->n_q - i0);
      const float *k = a->k + (h / group) * head_dim, *v = a->v + (h / group) * head_dim;
      /* The keys the block's last query sees: the others see fewer. */
      gsize keys = a->causal ? MIN (a->n_kv, a->q_start + i0 + rows) : a->n_kv;

      a->sgemm (VILA_BLAS_ROW_MAJOR, VILA_BLAS_NO_TRANS, VILA_BLAS_TRANS, rows, keys, head_dim, scale,
                a->q + i0 * q_stride + h * head_dim, q_stride, k, kv_stride, 0.0f, scores, keys);
      for (gsize r = 0; r < rows; r++)
        {
          float *row = scores + r * keys;
          gsize visible = a->causal ? MIN (keys, a->q_start + i0 + r + 1) : keys;

          vila_cpu_softmax (row, visible);
          for (gsize t = visible; t < keys; t++)
            row[t] = 0.0f;
        }
      a->sgemm (VILA_BLAS_ROW_MAJOR, VILA_BLAS_NO_TRANS, VILA_BLAS_NO_TRANS, rows, head_dim, keys, 1.0f,
                scores, keys, v, kv_stride, 0.0f, a->out + i0 * q_stride + h * head_dim, q_stride);
    }
}

/* (query, head) pairs [first, last) one at a time. */
static void
attention_pairs (gpointer data,
                 gsize    first,
                 gsize    last)
{
  AttentionJob *a = data;
  g_autofree float *scores = g_new (float, a->n_kv);
  gsize group = a->n_heads / a->n_kv_heads, head_dim = a->head_dim;
  gsize stride = a->n_kv_heads * head_dim;
  float scale = 1.0f / sqrtf ((float) head_dim);

  for (gsize pair = first; pair < last; pair++)
    {
      gsize i = pair / a->n_heads, h = pair % a->n_heads;
      gsize kv_offset = (h / group) * head_dim;
      gsize visible = a->causal ? MIN (a->n_kv, a->q_start + i + 1) : a->n_kv;

      vila_cpu_attend (a->out + (i * a->n_heads + h) * head_dim, a->q + (i * a->n_heads + h) * head_dim,
                       a->k + kv_offset, a->v + kv_offset, visible, stride, head_dim, scale, scores);
    }
}

static void
cpu_attention (float       *out,
               const float *q,
               const float *k,
               const float *v,
               gsize        n_q,
               gsize        n_kv,
               gsize        q_start,
               gsize        n_heads,
               gsize        n_kv_heads,
               gsize        head_dim,
               gboolean     causal)
{
  AttentionJob job = { out, q, k, v, n_q, n_kv, q_start, n_heads, n_kv_heads, head_dim, causal, vila_blas_sgemm () };

  /* Many queries: matrix products per block of a head's queries. */
  if (n_q >= 16 && job.sgemm != NULL)
    {
      vila_cpu_parallel_for (n_heads * ((n_q + ATTENTION_QUERY_BLOCK - 1) / ATTENTION_QUERY_BLOCK), 1,
                             attention_blocks, &job);
      return;
    }
  /* Decoding: one (query, head) pair per item, shared across the pool;
   * with a long context this is a good part of each step. */
  vila_cpu_parallel_for (n_q * n_heads, 1, attention_pairs, &job);
}

/* Element-wise work comes in runs of thousands of values (a layer's
 * activations) or a few (a decoding step's): the pool takes the former in
 * pieces of this many, the latter stays on the calling thread. */
#define ELEMENTWISE_CHUNK 8192

typedef struct {
  float       *x;
  const float *y;
  void       (*in_place) (float *x, gsize n);
} Elementwise;

static void
in_place_range (gpointer data,
                gsize    first,
                gsize    last)
{
  Elementwise *e = data;

  e->in_place (e->x + first, last - first);
}

/* @activation over @x, shared out by the pool. */
static void
activate (void  (*activation) (float *x, gsize n),
          float  *x,
          gsize   n)
{
  Elementwise e = { x, NULL, activation };

  vila_cpu_parallel_for (n, ELEMENTWISE_CHUNK, in_place_range, &e);
}

static void
silu_mul_range (gpointer data,
                gsize    first,
                gsize    last)
{
  Elementwise *e = data;

  vila_cpu_silu_mul (e->x + first, e->y + first, last - first);
}

static void
cpu_silu_mul (float       *gate,
              const float *up,
              gsize        n)
{
  Elementwise e = { gate, up, NULL };

  vila_cpu_parallel_for (n, ELEMENTWISE_CHUNK, silu_mul_range, &e);
}

static void
cpu_gelu_tanh (float *x,
               gsize  n)
{
  activate (vila_cpu_gelu_tanh, x, n);
}

static void
cpu_gelu_erf (float *x,
              gsize  n)
{
  activate (vila_cpu_gelu_erf, x, n);
}

static void
cpu_quick_gelu (float *x,
                gsize  n)
{
  activate (vila_cpu_quick_gelu, x, n);
}

static void
cpu_add (float       *x,
         const float *y,
         gsize        n)
{
  for (gsize i = 0; i < n; i++)
    x[i] += y[i];
}

static void
cpu_downsample (float       *out,
                const float *features,
                gsize        grid,
                gsize        channels,
                gsize        m,
                gboolean     column_major)
{
  gsize blocks = (grid + m - 1) / m;

  memset (out, 0, blocks * blocks * m * m * channels * sizeof (float));
  for (gsize i = 0; i < blocks; i++)
    for (gsize j = 0; j < blocks; j++)
      {
        gsize token = column_major ? j * blocks + i : i * blocks + j;
        float *dst = out + token * m * m * channels;

        for (gsize dy = 0; dy < m; dy++)
          for (gsize dx = 0; dx < m; dx++)
            {
              gsize r = i * m + dy, c = j * m + dx;

              if (r < grid && c < grid)
                memcpy (dst + (dy * m + dx) * channels, features + (r * grid + c) * channels,
                        channels * sizeof (float));
            }
      }
}

static void
cpu_embed (float            *out,
           const VilaMatrix *table,
           const gint32     *ids,
           gsize             n)
{
  for (gsize i = 0; i < n; i++)
    vila_matrix_row (table, ids[i], out + i * table->cols);
}

static void
cpu_kv_store (float       *cache,
              const float *rows,
              gsize        start,
              gsize        n,
              gsize        width)
{
  memcpy (cache + start * width, rows, n * width * sizeof (float));
}

static gint32
cpu_argmax (const float *x,
            gsize        n)
{
  gsize best = 0;

  for (gsize i = 1; i < n; i++)
    if (x[i] > x[best])
      best = i;
  return (gint32) best;
}

gboolean
vila_backend_bind (const VilaBackendOps *ops,
                   GPtrArray            *bound,
                   VilaMatrix           *m,
                   VilaBindProgress     *progress,
                   GError              **error)
{
  guint64 before;

  if (progress != NULL && progress->cancel != NULL && g_atomic_int_get (progress->cancel))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_CANCELLED, "Loading was cancelled");
      return FALSE;
    }
  if (!ops->bind (m, error))
    return FALSE;
  g_ptr_array_add (bound, m);

  if (progress != NULL && progress->func != NULL && progress->total > 0)
    {
      before = progress->done;
      progress->done += m->rows * m->cols * vila_tensor_type_size (m->type);
      /* About a hundred reports over a load, not one per tensor. */
      if (progress->done * 100 / progress->total != before * 100 / progress->total)
        progress->func (progress->from + (progress->to - progress->from) * MIN (1.0, (double) progress->done / progress->total),
                        "weights", progress->data);
    }
  return TRUE;
}

void
vila_backend_release_all (const VilaBackendOps *ops,
                          GPtrArray            *bound)
{
  for (guint i = 0; i < bound->len; i++)
    ops->release (g_ptr_array_index (bound, i));
  g_ptr_array_set_size (bound, 0);
}

/* Activations and the keys and values are host arrays; the mapped
 * checkpoint is read as it is. Arrays of 2 MB and more (a layer's keys or
 * values for a few hundred positions and up) are on 2 MB pages: decoding
 * reads a head's keys one position apart, kilobytes, so on 4 KB pages
 * nearly every key was a new page (one-thread attention timing, 260
 * positions: 7.7 against 8.6 GB/s). */
static float *
cpu_alloc (gsize n_floats)
{
  return vila_large_pages_alloc (MAX (n_floats, 1) * sizeof (float));
}

static void
cpu_free (float *buffer)
{
  g_free (buffer);
}

static void
cpu_copy (float       *dst,
          const float *src,
          gsize        n_floats)
{
  memcpy (dst, src, n_floats * sizeof (float));
}

static gboolean
cpu_bind (VilaMatrix  *m,
          GError     **error)
{
  return TRUE;
}

static void
cpu_release (VilaMatrix *m)
{
}

const VilaBackendOps vila_cpu_backend = {
  .name = "cpu",
  .alloc = cpu_alloc,
  .free = cpu_free,
  .upload = cpu_copy,
  .download = cpu_copy,
  .copy = cpu_copy,
  .bind = cpu_bind,
  .release = cpu_release,
  .matmul = cpu_matmul,
  .rms_norm = cpu_rms_norm,
  .layer_norm = cpu_layer_norm,
  .rope = cpu_rope,
  .attention = cpu_attention,
  .silu_mul = cpu_silu_mul,
  .gelu_tanh = cpu_gelu_tanh,
  .gelu_erf = cpu_gelu_erf,
  .quick_gelu = cpu_quick_gelu,
  .add = cpu_add,
  .embed = cpu_embed,
  .downsample = cpu_downsample,
  .argmax = cpu_argmax,
  .kv_store = cpu_kv_store,
  .matmuls = cpu_matmuls,
  .gate_up = cpu_gate_up,
};
