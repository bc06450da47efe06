/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The hot loops of the CPU backend. Decoding one token is a matrix-vector
 * product per weight matrix, bound by how fast the weights stream from
 * memory: each weight row is read once, widened to float32 in registers
 * (BF16 by a shift, F16 by F16C) and used for every input row at once.
 * Rows are split across the pool of cpu-pool.c.
 */
#define G_LOG_DOMAIN "vila-cpu"

#include "config.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "cpu-kernels.h"
#include "cpu-simd.h"

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
              /* Two rows ahead (decode_rows_bf16() measured what is best for
               * its own loop). */
              _mm_prefetch ((const char *) (wrow + 2 * cols * element) + k * element, _MM_HINT_T1);
              a0 = _mm256_fmadd_ps (vila_simd_load8 (wrow + k * element, w->type), _mm256_loadu_ps (x + k), a0);
              a1 = _mm256_fmadd_ps (vila_simd_load8 (wrow + (k + 8) * element, w->type), _mm256_loadu_ps (x + k + 8), a1);
              a2 = _mm256_fmadd_ps (vila_simd_load8 (wrow + (k + 16) * element, w->type), _mm256_loadu_ps (x + k + 16), a2);
              a3 = _mm256_fmadd_ps (vila_simd_load8 (wrow + (k + 24) * element, w->type), _mm256_loadu_ps (x + k + 24), a3);
            }
          for (; k < vec; k += 8)
            a0 = _mm256_fmadd_ps (vila_simd_load8 (wrow + k * element, w->type), _mm256_loadu_ps (x + k), a0);
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
              __m256 wv = vila_simd_load8 (wrow + k * element, w->type);

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

/* A row of decode_rows_bf16() finished: @sum of its vectorised part, plus
 * the weights past @vec, plus its bias, into out[@j]. */
static inline void
store_bf16_row (float        *out,
                const float  *x,
                const guint8 *row,
                const float  *bias,
                gsize         j,
                gsize         vec,
                gsize         cols,
                float         sum)
{
  for (gsize k = vec; k < cols; k++)
    sum += x[k] * bf16_at (row, k);
  out[j] = bias ? sum + bias[j] : sum;
}

/* How far ahead of the rows being read decode_rows_bf16() asks for
 * weights, in bytes: ~48 KB, whatever the row length. Measured on the
 * 2-core VM (two threads over 1 GB of bf16 weights against a plain
 * two-thread read sweep, alternating, 25 rounds): rows of 2,560 weights
 * read best 8-14 rows ahead (40-72 KB), rows of 6,912 2-4 rows ahead
 * (28-55 KB); nearer or farther lost 3-5%. */
#define DECODE_PREFETCH_BYTES (48 * 1024)

/* Decoding with BF16 weights, the released checkpoints' dtype: four
 * weight rows at a time with two sums each, the dtype known at compile
 * time, so each step is loads, a shift and FMAs while the weights stream
 * through. Four rows share each load of the input (two rows did, and
 * read at ~84% of a plain read sweep; four at ~94%, same measurement as
 * DECODE_PREFETCH_BYTES). */
__attribute__ ((target ("avx2,fma,f16c")))
static void
decode_rows_bf16 (float            *out,
                  const float      *x,
                  const VilaMatrix *w,
                  const float      *bias,
                  gsize             first,
                  gsize             last)
{
  gsize cols = w->cols, vec = cols & ~(gsize) 15, row_bytes = cols * 2;
  gsize ahead = MAX (4, (DECODE_PREFETCH_BYTES + row_bytes - 1) / row_bytes);
  gsize j = first;

  for (; j + 3 < last; j += 4)
    {
      const guint8 *r0 = w->data + j * row_bytes, *r1 = r0 + row_bytes;
      const guint8 *r2 = r1 + row_bytes, *r3 = r2 + row_bytes;
      /* The rows @ahead on, as two streams of two rows each (one cache
       * line per stream per step; one stream of two lines a step read
       * ~5% slower), into L2 (L1 keeps the input). Not past this
       * thread's rows: those are the next chunk's, maybe another core's. */
      const char *p0 = (const char *) (j + ahead + 2 <= last ? r0 + ahead * row_bytes : r0);
      const char *p1 = (const char *) (j + ahead + 4 <= last ? r0 + (ahead + 2) * row_bytes : r2);
      /* Spelled out rather than arrays and loops: GCC at -O2 kept an
       * array of sums in memory. */
      __m256 a0 = _mm256_setzero_ps (), a1 = a0, b0 = a0, b1 = a0;
      __m256 c0 = a0, c1 = a0, d0 = a0, d1 = a0;

      for (gsize k = 0; k < vec; k += 16)
        {
          __m256 x0 = _mm256_loadu_ps (x + k), x1 = _mm256_loadu_ps (x + k + 8);

          _mm_prefetch (p0 + k * 4, _MM_HINT_T1);
          _mm_prefetch (p1 + k * 4, _MM_HINT_T1);
          a0 = _mm256_fmadd_ps (vila_simd_widen_bf16 (r0 + k * 2), x0, a0);
          a1 = _mm256_fmadd_ps (vila_simd_widen_bf16 (r0 + k * 2 + 16), x1, a1);
          b0 = _mm256_fmadd_ps (vila_simd_widen_bf16 (r1 + k * 2), x0, b0);
          b1 = _mm256_fmadd_ps (vila_simd_widen_bf16 (r1 + k * 2 + 16), x1, b1);
          c0 = _mm256_fmadd_ps (vila_simd_widen_bf16 (r2 + k * 2), x0, c0);
          c1 = _mm256_fmadd_ps (vila_simd_widen_bf16 (r2 + k * 2 + 16), x1, c1);
          d0 = _mm256_fmadd_ps (vila_simd_widen_bf16 (r3 + k * 2), x0, d0);
          d1 = _mm256_fmadd_ps (vila_simd_widen_bf16 (r3 + k * 2 + 16), x1, d1);
        }
      store_bf16_row (out, x, r0, bias, j, vec, cols, sum8 (_mm256_add_ps (a0, a1)));
      store_bf16_row (out, x, r1, bias, j + 1, vec, cols, sum8 (_mm256_add_ps (b0, b1)));
      store_bf16_row (out, x, r2, bias, j + 2, vec, cols, sum8 (_mm256_add_ps (c0, c1)));
      store_bf16_row (out, x, r3, bias, j + 3, vec, cols, sum8 (_mm256_add_ps (d0, d1)));
    }
  /* The one to three rows left over, summed in the same order, so that a
   * row's result does not depend on where the threads' chunks end. */
  for (; j < last; j++)
    {
      const guint8 *r0 = w->data + j * row_bytes;
      __m256 a0 = _mm256_setzero_ps (), a1 = a0;

      for (gsize k = 0; k < vec; k += 16)
        {
          a0 = _mm256_fmadd_ps (vila_simd_widen_bf16 (r0 + k * 2), _mm256_loadu_ps (x + k), a0);
          a1 = _mm256_fmadd_ps (vila_simd_widen_bf16 (r0 + k * 2 + 16), _mm256_loadu_ps (x + k + 8), a1);
        }
      store_bf16_row (out, x, r0, bias, j, vec, cols, sum8 (_mm256_add_ps (a0, a1)));
    }
}

/* One query of one head against @visible keys and values that lie
 * @stride floats apart (heads are interleaved in the cache): scores, their
 * softmax and the weighted sum of the values, as the reference computes
 * them (scores scaled, then softmax with the maximum taken out). */
static void
attend_portable (float       *out,
                 const float *q,
                 const float *k,
                 const float *v,
                 gsize        visible,
                 gsize        stride,
                 gsize        head_dim,
                 float        scale,
                 float       *scores)
{
  for (gsize t = 0; t < visible; t++)
    {
      const float *kt = k + t * stride;
      float dot = 0.0f;

      for (gsize d = 0; d < head_dim; d++)
        dot += q[d] * kt[d];
      scores[t] = dot * scale;
    }
  vila_cpu_softmax (scores, visible);
  memset (out, 0, head_dim * sizeof (float));
  for (gsize t = 0; t < visible; t++)
    {
      const float *vt = v + t * stride;

      for (gsize d = 0; d < head_dim; d++)
        out[d] += scores[t] * vt[d];
    }
}

#if defined(__x86_64__)
/* How many positions ahead attention asks for keys and values: a few
 * (one-thread kernel timing, 260 positions, 32 heads of 80: 4 read best;
 * none, 8 or 16 were 5-15% slower). */
#define ATTEND_PREFETCH 4

/* @out[0..8·@n8) = Σ scores[u] · v[u·stride + …] over the positions, in
 * registers (@n8 is a constant at each call, so the loops unroll). */
__attribute__ ((target ("avx2,fma,f16c"), always_inline))
static inline void
attend_values (float       *out,
               const float *scores,
               const float *v,
               gsize        visible,
               gsize        stride,
               const guint  n8)
{
  __m256 o[10];

#pragma GCC unroll 10
  for (guint r = 0; r < n8; r++)
    o[r] = _mm256_setzero_ps ();
  for (gsize u = 0; u < visible; u++)
    {
      const float *vu = v + u * stride;
      __m256 p = _mm256_set1_ps (scores[u]);

#pragma GCC unroll 10
      for (guint r = 0; r < n8; r += 2)
        _mm_prefetch ((const char *) (vu + ATTEND_PREFETCH * stride + r * 8), _MM_HINT_T0);
#pragma GCC unroll 10
      for (guint r = 0; r < n8; r++)
        o[r] = _mm256_fmadd_ps (p, _mm256_loadu_ps (vu + r * 8), o[r]);
    }
#pragma GCC unroll 10
  for (guint r = 0; r < n8; r++)
    _mm256_storeu_ps (out + r * 8, o[r]);
}

/* Four keys at a time share each load of the query; for a head dimension
 * that is a multiple of 8 (64, 72, 80 and 128 all are). */
__attribute__ ((target ("avx2,fma,f16c")))
static void
attend_avx2 (float       *out,
             const float *q,
             const float *k,
             const float *v,
             gsize        visible,
             gsize        stride,
             gsize        head_dim,
             float        scale,
             float       *scores)
{
  gsize t = 0;

  for (; t + 4 <= visible; t += 4)
    {
      const float *k0 = k + t * stride;
      __m256 a0 = _mm256_setzero_ps (), a1 = _mm256_setzero_ps ();
      __m256 a2 = _mm256_setzero_ps (), a3 = _mm256_setzero_ps ();
      __m128 sums;

      /* The keys ATTEND_PREFETCH positions on: each is a few hundred
       * bytes, kilobytes from the one before (the other heads lie between),
       * a pattern the hardware prefetchers follow poorly. Past the end
       * (these are hints) nothing is read. */
      for (gsize d = 0; d < head_dim; d += 16)
        for (gsize i = 0; i < 4; i++)
          _mm_prefetch ((const char *) (k0 + (ATTEND_PREFETCH + i) * stride + d), _MM_HINT_T0);
      for (gsize d = 0; d < head_dim; d += 8)
        {
          __m256 qd = _mm256_loadu_ps (q + d);

          a0 = _mm256_fmadd_ps (_mm256_loadu_ps (k0 + d), qd, a0);
          a1 = _mm256_fmadd_ps (_mm256_loadu_ps (k0 + stride + d), qd, a1);
          a2 = _mm256_fmadd_ps (_mm256_loadu_ps (k0 + 2 * stride + d), qd, a2);
          a3 = _mm256_fmadd_ps (_mm256_loadu_ps (k0 + 3 * stride + d), qd, a3);
        }
      /* Four horizontal sums at once: pairwise adds leave the totals of
       * a0..a3 in the four lanes, in order, once the halves are added. */
      a0 = _mm256_hadd_ps (a0, a1);
      a2 = _mm256_hadd_ps (a2, a3);
      a0 = _mm256_hadd_ps (a0, a2);
      sums = _mm_add_ps (_mm256_castps256_ps128 (a0), _mm256_extractf128_ps (a0, 1));
      _mm_storeu_ps (scores + t, _mm_mul_ps (sums, _mm_set1_ps (scale)));
    }
  for (; t < visible; t++)
    {
      const float *kt = k + t * stride;
      __m256 a = _mm256_setzero_ps ();

      for (gsize d = 0; d < head_dim; d += 8)
        a = _mm256_fmadd_ps (_mm256_loadu_ps (kt + d), _mm256_loadu_ps (q + d), a);
      scores[t] = sum8 (a) * scale;
    }

  vila_cpu_softmax (scores, visible);

  /* Values: a head's outputs held in registers across all positions
   * (80 floats, or 64 at a time for a larger head), so each position's
   * values are read once; the sums go in the same order as one at a
   * time. Eight registers at a time, then two more, then one: 64, 80,
   * 128 and every multiple of 8 covered. */
  for (gsize d = 0; d < head_dim;)
    {
      gsize left = (head_dim - d) / 8, n8 = left == 10 ? 10 : left >= 8 ? 8 : 1;

      /* A constant at each call, for the loops to unroll. */
      if (n8 == 10)
        attend_values (out + d, scores, v + d, visible, stride, 10);
      else if (n8 == 8)
        attend_values (out + d, scores, v + d, visible, stride, 8);
      else
        attend_values (out + d, scores, v + d, visible, stride, 1);
      d += 8 * n8;
    }
}
#endif

void
vila_cpu_add_bias (float       *out,
                   gsize        n,
                   gsize        stride,
                   const float *bias,
                   gsize        first,
                   gsize        count)
{
  for (gsize i = 0; i < n; i++)
    for (gsize j = first; j < first + count; j++)
      out[i * stride + j] += bias[j];
}

/* AVX2, FMA and F16C, checked once at run time; VILA_CPU_PORTABLE forces
 * the portable loops (the tests run both). */
gboolean
vila_cpu_has_avx2 (void)
{
#if defined(__x86_64__)
  static gint has_avx2 = -1;

  if (has_avx2 < 0)
    {
      unsigned int eax, ebx, ecx = 0, edx;

      /* F16C is CPUID leaf 1, ECX bit 29 (clang's builtin does not know it). */
      has_avx2 = __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma") &&
                 __get_cpuid (1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) != 0 &&
                 g_getenv ("VILA_CPU_PORTABLE") == NULL;
    }
  return has_avx2;
#else
  return FALSE;
#endif
}

#if defined(__x86_64__)
/* @n half or bfloat16 weights from @p (8 at a time, then one by one) as
 * float32. */
__attribute__ ((target ("avx2,fma,f16c")))
static void
widen_avx2 (const guint8   *p,
            VilaTensorType  type,
            gsize           n,
            float          *out)
{
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps (out + i, vila_simd_load8 (p + i * 2, type));
  for (; i < n; i++)
    {
      guint16 half;

      memcpy (&half, p + i * 2, 2);
      half = GUINT16_FROM_LE (half);
      out[i] = type == VILA_TENSOR_BF16 ? vila_bf16_to_f32 (half) : vila_f16_to_f32 (half);
    }
}
#endif

void
vila_cpu_widen_rows (const VilaMatrix *w,
                     gsize             first,
                     gsize             count,
                     float            *out)
{
#if defined(__x86_64__) && G_BYTE_ORDER == G_LITTLE_ENDIAN
  if (vila_cpu_has_avx2 () && (w->type == VILA_TENSOR_BF16 || w->type == VILA_TENSOR_F16))
    {
      /* The rows lie one after the other: one stretch of weights. */
      widen_avx2 (w->data + first * w->cols * 2, w->type, count * w->cols, out);
      return;
    }
#endif
  for (gsize j = 0; j < count; j++)
    vila_matrix_row (w, first + j, out + j * w->cols);
}

void
vila_cpu_attend (float       *out,
                 const float *q,
                 const float *k,
                 const float *v,
                 gsize        visible,
                 gsize        stride,
                 gsize        head_dim,
                 float        scale,
                 float       *scores)
{
#if defined(__x86_64__)
  if (vila_cpu_has_avx2 () && head_dim % 8 == 0)
    {
      attend_avx2 (out, q, k, v, visible, stride, head_dim, scale, scores);
      return;
    }
#endif
  attend_portable (out, q, k, v, visible, stride, head_dim, scale, scores);
}

#if defined(__x86_64__)
__attribute__ ((target ("avx2,fma,f16c")))
static double
sum_avx2 (const float *x,
          gsize        n)
{
  __m256 s0 = _mm256_setzero_ps (), s1 = _mm256_setzero_ps ();
  __m256 s2 = _mm256_setzero_ps (), s3 = _mm256_setzero_ps ();
  gsize i = 0;
  double total;

  for (; i + 32 <= n; i += 32)
    {
      s0 = _mm256_add_ps (s0, _mm256_loadu_ps (x + i));
      s1 = _mm256_add_ps (s1, _mm256_loadu_ps (x + i + 8));
      s2 = _mm256_add_ps (s2, _mm256_loadu_ps (x + i + 16));
      s3 = _mm256_add_ps (s3, _mm256_loadu_ps (x + i + 24));
    }
  total = sum8 (_mm256_add_ps (_mm256_add_ps (s0, s1), _mm256_add_ps (s2, s3)));
  for (; i < n; i++)
    total += x[i];
  return total;
}
#endif

double
vila_cpu_sum (const float *x,
              gsize        n)
{
  float s[4] = { 0, 0, 0, 0 };
  gsize i = 0;

#if defined(__x86_64__)
  if (vila_cpu_has_avx2 ())
    return sum_avx2 (x, n);
#endif
  for (; i + 4 <= n; i += 4)
    for (guint j = 0; j < 4; j++)
      s[j] += x[i + j];
  for (; i < n; i++)
    s[0] += x[i];
  return (double) s[0] + s[1] + s[2] + s[3];
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
  if (vila_cpu_has_avx2 ())
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
