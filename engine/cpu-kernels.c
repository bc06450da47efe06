/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The hot loops of the CPU backend. Decoding one token is a matrix-vector
 * product per weight matrix, bound by how fast the weights stream from
 * memory: each weight row is read once, widened to float32 in registers
 * (BF16 by a shift, F16 by F16C) and used for every input row at once.
 * Rows are split across a pool of threads that lives as long as the
 * process.
 */
#define G_LOG_DOMAIN "vila-cpu"

#include "config.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "cpu-kernels.h"

/* Portable: widen the row, then plain dot products. */
static void
matmul_rows_portable (float            *out,
                      const float      *x,
                      gsize             n,
                      const VilaMatrix *w,
                      const float      *bias,
                      gsize             first,
                      gsize             last)
{
  g_autofree float *row = g_new (float, w->cols);

  for (gsize j = first; j < last; j++)
    {
      vila_matrix_row (w, j, row);
      for (gsize i = 0; i < n; i++)
        {
          const float *xi = x + i * w->cols;
          float sum = 0.0f;

          for (gsize k = 0; k < w->cols; k++)
            sum += xi[k] * row[k];
          out[i * w->rows + j] = bias ? sum + bias[j] : sum;
        }
    }
}

#if defined(__x86_64__)
/* bf16 is the top half of a float32. */
__attribute__ ((target ("avx2,fma,f16c")))
static inline __m256
widen_bf16 (const guint8 *p)
{
  return _mm256_castsi256_ps (_mm256_slli_epi32 (_mm256_cvtepu16_epi32 (_mm_loadu_si128 ((const void *) p)), 16));
}

__attribute__ ((target ("avx2,fma,f16c")))
static inline __m256
load8 (const guint8   *p,
       VilaTensorType  type)
{
  switch (type)
    {
    case VILA_TENSOR_BF16:
      return widen_bf16 (p);
    case VILA_TENSOR_F16:
      return _mm256_cvtph_ps (_mm_loadu_si128 ((const void *) p));
    case VILA_TENSOR_F32:
    default:
      return _mm256_loadu_ps ((const void *) p);
    }
}

__attribute__ ((target ("avx2,fma,f16c")))
static inline float
sum8 (__m256 v)
{
  __m128 lo = _mm256_castps256_ps128 (v), hi = _mm256_extractf128_ps (v, 1);
  __m128 s = _mm_add_ps (lo, hi);

  s = _mm_add_ps (s, _mm_movehl_ps (s, s));
  s = _mm_add_ss (s, _mm_shuffle_ps (s, s, 1));
  return _mm_cvtss_f32 (s);
}

/* Up to four input rows share each load of the weights. */
__attribute__ ((target ("avx2,fma,f16c")))
static void
matmul_rows_avx2 (float            *out,
                  const float      *x,
                  gsize             n,
                  const VilaMatrix *w,
                  const float      *bias,
                  gsize             first,
                  gsize             last)
{
  gsize cols = w->cols, vec = cols & ~(gsize) 7;
  gsize element = w->type == VILA_TENSOR_F32 ? 4 : 2;
  g_autofree float *row = NULL;

  for (gsize j = first; j < last; j++)
    {
      const guint8 *wrow = w->data + j * cols * element;

      /* One input row (decoding): four independent sums, so the FMA
       * latency does not limit how fast the weights stream. */
      if (n == 1)
        {
          __m256 a0 = _mm256_setzero_ps (), a1 = _mm256_setzero_ps ();
          __m256 a2 = _mm256_setzero_ps (), a3 = _mm256_setzero_ps ();
          gsize vec4 = cols & ~(gsize) 31, k;
          float sum;

          for (k = 0; k < vec4; k += 32)
            {
              a0 = _mm256_fmadd_ps (load8 (wrow + k * element, w->type), _mm256_loadu_ps (x + k), a0);
              a1 = _mm256_fmadd_ps (load8 (wrow + (k + 8) * element, w->type), _mm256_loadu_ps (x + k + 8), a1);
              a2 = _mm256_fmadd_ps (load8 (wrow + (k + 16) * element, w->type), _mm256_loadu_ps (x + k + 16), a2);
              a3 = _mm256_fmadd_ps (load8 (wrow + (k + 24) * element, w->type), _mm256_loadu_ps (x + k + 24), a3);
            }
          for (; k < vec; k += 8)
            a0 = _mm256_fmadd_ps (load8 (wrow + k * element, w->type), _mm256_loadu_ps (x + k), a0);
          sum = sum8 (_mm256_add_ps (_mm256_add_ps (a0, a1), _mm256_add_ps (a2, a3)));
          if (vec < cols)
            {
              if (row == NULL)
                row = g_new (float, cols);
              vila_matrix_row (w, j, row);
              for (k = vec; k < cols; k++)
                sum += x[k] * row[k];
            }
          out[j] = bias ? sum + bias[j] : sum;
          continue;
        }

      for (gsize i0 = 0; i0 < n; i0 += 4)
        {
          gsize m = MIN (4, n - i0);
          __m256 acc[4] = { _mm256_setzero_ps (), _mm256_setzero_ps (), _mm256_setzero_ps (), _mm256_setzero_ps () };
          float tail[4] = { 0, 0, 0, 0 };

          for (gsize k = 0; k < vec; k += 8)
            {
              __m256 wv = load8 (wrow + k * element, w->type);

              for (gsize r = 0; r < m; r++)
                acc[r] = _mm256_fmadd_ps (wv, _mm256_loadu_ps (x + (i0 + r) * cols + k), acc[r]);
            }
          if (vec < cols)
            {
              if (row == NULL)
                row = g_new (float, cols);
              vila_matrix_row (w, j, row);
              for (gsize r = 0; r < m; r++)
                for (gsize k = vec; k < cols; k++)
                  tail[r] += x[(i0 + r) * cols + k] * row[k];
            }
          for (gsize r = 0; r < m; r++)
            {
              float sum = sum8 (acc[r]) + tail[r];

              out[(i0 + r) * w->rows + j] = bias ? sum + bias[j] : sum;
            }
        }
    }
}
#endif

/* Element @k of a little-endian bf16 row, for the tails. */
static inline float
bf16_at (const guint8 *row,
         gsize         k)
{
  guint16 v;

  memcpy (&v, row + k * 2, 2);
  return vila_bf16_to_f32 (GUINT16_FROM_LE (v));
}

/* Decoding with BF16 weights, the released checkpoints' dtype: two weight
 * rows at a time with two sums each, the dtype known at compile time, so
 * each step is loads, a shift and FMAs while the weights stream through. */
__attribute__ ((target ("avx2,fma,f16c")))
static void
decode_rows_bf16 (float            *out,
                  const float      *x,
                  const VilaMatrix *w,
                  const float      *bias,
                  gsize             first,
                  gsize             last)
{
  gsize cols = w->cols, vec = cols & ~(gsize) 15;
  gsize j = first;

  for (; j + 1 < last; j += 2)
    {
      const guint8 *r0 = w->data + j * cols * 2, *r1 = r0 + cols * 2;
      __m256 a0 = _mm256_setzero_ps (), a1 = _mm256_setzero_ps ();
      __m256 b0 = _mm256_setzero_ps (), b1 = _mm256_setzero_ps ();
      float s0, s1;

      for (gsize k = 0; k < vec; k += 16)
        {
          __m256 x0 = _mm256_loadu_ps (x + k), x1 = _mm256_loadu_ps (x + k + 8);

          a0 = _mm256_fmadd_ps (widen_bf16 (r0 + k * 2), x0, a0);
          a1 = _mm256_fmadd_ps (widen_bf16 (r0 + k * 2 + 16), x1, a1);
          b0 = _mm256_fmadd_ps (widen_bf16 (r1 + k * 2), x0, b0);
          b1 = _mm256_fmadd_ps (widen_bf16 (r1 + k * 2 + 16), x1, b1);
        }
      s0 = sum8 (_mm256_add_ps (a0, a1));
      s1 = sum8 (_mm256_add_ps (b0, b1));
      for (gsize k = vec; k < cols; k++)
        {
          s0 += x[k] * bf16_at (r0, k);
          s1 += x[k] * bf16_at (r1, k);
        }
      out[j] = bias ? s0 + bias[j] : s0;
      out[j + 1] = bias ? s1 + bias[j + 1] : s1;
    }
  /* An odd row left over: the general kernel. */
  if (j < last)
    matmul_rows_avx2 (out, x, 1, w, bias, j, last);
}

void
vila_cpu_matmul_rows (float            *out,
                      const float      *x,
                      gsize             n,
                      const VilaMatrix *w,
                      const float      *bias,
                      gsize             first,
                      gsize             last)
{
#if defined(__x86_64__)
  static gint has_avx2 = -1;

  if (has_avx2 < 0)
    {
      unsigned int eax, ebx, ecx = 0, edx;

      /* F16C is CPUID leaf 1, ECX bit 29 (clang's builtin does not know it). */
      has_avx2 = __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma") &&
                 __get_cpuid (1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) != 0;
    }
  if (has_avx2 && g_getenv ("VILA_CPU_PORTABLE") == NULL)
    {
      if (n == 1 && w->type == VILA_TENSOR_BF16)
        decode_rows_bf16 (out, x, w, bias, first, last);
      else
        matmul_rows_avx2 (out, x, n, w, bias, first, last);
      return;
    }
#endif
  matmul_rows_portable (out, x, n, w, bias, first, last);
}

/* A fixed pool: the caller takes the first share and waits for the rest. */
typedef struct {
  GMutex        lock;
  GCond         work;
  GCond         done;
  guint         n_threads;
  guint64       generation;
  guint         pending;
  VilaRangeFunc func;
  gpointer      data;
  gsize         n;
} Pool;

static Pool pool;

static void
share (guint   index,
       gsize  *first,
       gsize  *last)
{
  gsize per = (pool.n + pool.n_threads - 1) / pool.n_threads;

  *first = MIN (pool.n, index * per);
  *last = MIN (pool.n, *first + per);
}

static gpointer
worker (gpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  guint64 seen = 0;

  for (;;)
    {
      gsize first, last;

      g_mutex_lock (&pool.lock);
      while (pool.generation == seen)
        g_cond_wait (&pool.work, &pool.lock);
      seen = pool.generation;
      share (index, &first, &last);
      g_mutex_unlock (&pool.lock);

      if (first < last)
        pool.func (pool.data, first, last);

      g_mutex_lock (&pool.lock);
      if (--pool.pending == 0)
        g_cond_signal (&pool.done);
      g_mutex_unlock (&pool.lock);
    }
  return NULL;
}

guint
vila_cpu_n_threads (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      const char *env = g_getenv ("VILA_THREADS");
      guint n = env ? (guint) g_ascii_strtoull (env, NULL, 10) : g_get_num_processors ();

      g_mutex_init (&pool.lock);
      g_cond_init (&pool.work);
      g_cond_init (&pool.done);
      pool.n_threads = CLAMP (n, 1, 256);
      for (guint i = 1; i < pool.n_threads; i++)
        g_thread_unref (g_thread_new ("vila-cpu", worker, GUINT_TO_POINTER (i)));
      g_once_init_leave (&once, 1);
    }
  return pool.n_threads;
}

void
vila_cpu_parallel_for (gsize          n,
                       gsize          min_chunk,
                       VilaRangeFunc  func,
                       gpointer       data)
{
  static GMutex callers;
  guint threads = vila_cpu_n_threads ();
  gsize first, last;

  /* Small jobs are not worth waking anyone. */
  if (threads == 1 || n < 2 * min_chunk)
    {
      func (data, 0, n);
      return;
    }

  /* One job at a time: sessions on several threads take turns. */
  g_mutex_lock (&callers);
  g_mutex_lock (&pool.lock);
  pool.func = func;
  pool.data = data;
  pool.n = n;
  pool.pending = threads - 1;
  pool.generation++;
  g_cond_broadcast (&pool.work);
  g_mutex_unlock (&pool.lock);

  share (0, &first, &last);
  if (first < last)
    func (data, first, last);

  g_mutex_lock (&pool.lock);
  while (pool.pending > 0)
    g_cond_wait (&pool.done, &pool.lock);
  g_mutex_unlock (&pool.lock);
  g_mutex_unlock (&callers);
}
