/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The matrix products of prefill and the vision tower on the CPU:
 * out[i][j] = x[i] · w[j] for many inputs at once, with the weights read
 * in the checkpoint's dtype.
 *
 * The layout is the usual one of fast GEMMs (Goto and van de Geijn,
 * "Anatomy of high-performance matrix multiplication", 2008): a register
 * tile of 6 inputs × 16 weight rows kept in twelve AVX2 accumulators, fed
 * from packed copies of both operands so that every load in the inner
 * loop is sequential. What differs from handing the product to a BLAS is
 * where the packing happens:
 * - the inputs are packed once per product, shared by all threads (a
 *   BLAS called per block of weight rows packs them again for every
 *   block: 7.7% of prefill went to that with OpenBLAS);
 * - the weights are packed straight from bfloat16 or half, widened on the
 *   way, instead of being widened into a float32 block that the BLAS then
 *   copies once more (another 7%).
 * Each weight element is packed once and then used by every input.
 */
#define G_LOG_DOMAIN "vila-cpu"

#include "config.h"

#include <string.h>

#include "cpu-gemm.h"
#include "cpu-kernels.h"
#include "cpu-simd.h"

enum {
  TILE_INPUTS = 6,        /* inputs of a register tile (broadcast) */
  TILE_ROWS = 16,         /* weight rows of a register tile (two vectors) */
  DEPTH_BLOCK = 256,      /* k per pass: a packed panel of weights is 16 KB, in L1 */
  INPUT_BLOCK = 192,      /* inputs per pass: their packed slice is 192 KB, in L2 */
  CHUNK_ROWS = 64,        /* weight rows per job of the pool */
};

typedef struct {
  float            *out;
  const float      *x;
  gsize             n;
  const VilaMatrix *w;
  const float      *bias;
  gsize             panels;     /* of six inputs */
  float            *packed_x;   /* [cols / 256 blocks][panels][256][6] */
} GemmJob;

static gsize
round_up (gsize value,
          gsize multiple)
{
  return (value + multiple - 1) / multiple * multiple;
}

/* Where the panel of inputs [6p, 6p + 6) starts for the depth block at
 * @k0: the panels of one depth block lie one after the other, so the
 * kernel's calls for successive panels read one stream of memory. */
static inline float *
input_panel (const GemmJob *job,
             gsize          p,
             gsize          k0)
{
  return job->packed_x + (k0 * job->panels + p * MIN (DEPTH_BLOCK, job->w->cols - k0)) * TILE_INPUTS;
}

/* Panels [first, last) of six inputs, interleaved by k so that the
 * kernel reads the six values of one k with six consecutive broadcasts;
 * inputs past @n are zeros. */
static void
pack_inputs (gpointer data,
             gsize    first,
             gsize    last)
{
  GemmJob *job = data;
  gsize cols = job->w->cols;

  for (gsize p = first; p < last; p++)
    {
      gsize i0 = p * TILE_INPUTS;

      if (i0 + TILE_INPUTS > job->n)
        {
          /* The last panel, partly zeros. */
          for (gsize k0 = 0; k0 < cols; k0 += DEPTH_BLOCK)
            for (guint r = 0; r < TILE_INPUTS; r++)
              for (gsize k = k0; k < MIN (cols, k0 + DEPTH_BLOCK); k++)
                input_panel (job, p, k0)[(k - k0) * TILE_INPUTS + r] = i0 + r < job->n ? job->x[(i0 + r) * cols + k] : 0.0f;
          continue;
        }
      /* Six rows read side by side, the panel written in order. */
      for (gsize k0 = 0; k0 < cols; k0 += DEPTH_BLOCK)
        {
          const float *x = job->x + i0 * cols + k0;
          float *panel = input_panel (job, p, k0);
          gsize depth = MIN (DEPTH_BLOCK, cols - k0);

          for (gsize k = 0; k < depth; k++)
            for (guint r = 0; r < TILE_INPUTS; r++)
              panel[k * TILE_INPUTS + r] = x[r * cols + k];
        }
    }
}

#if defined(__x86_64__)
/* Eight weight rows × eight k, widened, stored transposed: the k-th
 * vector of @dst (TILE_ROWS floats apart) holds the eight rows' k-th
 * values. */
__attribute__ ((target ("avx2,fma,f16c")))
static inline void
pack_8x8 (const guint8   *src,
          gsize           row_bytes,
          VilaTensorType  type,
          float          *dst)
{
  __m256 r0 = vila_simd_load8 (src, type), r1 = vila_simd_load8 (src + row_bytes, type);
  __m256 r2 = vila_simd_load8 (src + 2 * row_bytes, type), r3 = vila_simd_load8 (src + 3 * row_bytes, type);
  __m256 r4 = vila_simd_load8 (src + 4 * row_bytes, type), r5 = vila_simd_load8 (src + 5 * row_bytes, type);
  __m256 r6 = vila_simd_load8 (src + 6 * row_bytes, type), r7 = vila_simd_load8 (src + 7 * row_bytes, type);
  __m256 t0 = _mm256_unpacklo_ps (r0, r1), t1 = _mm256_unpackhi_ps (r0, r1);
  __m256 t2 = _mm256_unpacklo_ps (r2, r3), t3 = _mm256_unpackhi_ps (r2, r3);
  __m256 t4 = _mm256_unpacklo_ps (r4, r5), t5 = _mm256_unpackhi_ps (r4, r5);
  __m256 t6 = _mm256_unpacklo_ps (r6, r7), t7 = _mm256_unpackhi_ps (r6, r7);
  __m256 s0 = _mm256_shuffle_ps (t0, t2, _MM_SHUFFLE (1, 0, 1, 0));
  __m256 s1 = _mm256_shuffle_ps (t0, t2, _MM_SHUFFLE (3, 2, 3, 2));
  __m256 s2 = _mm256_shuffle_ps (t1, t3, _MM_SHUFFLE (1, 0, 1, 0));
  __m256 s3 = _mm256_shuffle_ps (t1, t3, _MM_SHUFFLE (3, 2, 3, 2));
  __m256 s4 = _mm256_shuffle_ps (t4, t6, _MM_SHUFFLE (1, 0, 1, 0));
  __m256 s5 = _mm256_shuffle_ps (t4, t6, _MM_SHUFFLE (3, 2, 3, 2));
  __m256 s6 = _mm256_shuffle_ps (t5, t7, _MM_SHUFFLE (1, 0, 1, 0));
  __m256 s7 = _mm256_shuffle_ps (t5, t7, _MM_SHUFFLE (3, 2, 3, 2));

  _mm256_store_ps (dst + 0 * TILE_ROWS, _mm256_permute2f128_ps (s0, s4, 0x20));
  _mm256_store_ps (dst + 1 * TILE_ROWS, _mm256_permute2f128_ps (s1, s5, 0x20));
  _mm256_store_ps (dst + 2 * TILE_ROWS, _mm256_permute2f128_ps (s2, s6, 0x20));
  _mm256_store_ps (dst + 3 * TILE_ROWS, _mm256_permute2f128_ps (s3, s7, 0x20));
  _mm256_store_ps (dst + 4 * TILE_ROWS, _mm256_permute2f128_ps (s0, s4, 0x31));
  _mm256_store_ps (dst + 5 * TILE_ROWS, _mm256_permute2f128_ps (s1, s5, 0x31));
  _mm256_store_ps (dst + 6 * TILE_ROWS, _mm256_permute2f128_ps (s2, s6, 0x31));
  _mm256_store_ps (dst + 7 * TILE_ROWS, _mm256_permute2f128_ps (s3, s7, 0x31));
}

/* Weight rows [row0, row0 + 16) × k [k0, k0 + depth) into @dst as
 * [depth][16] float32; rows past the matrix are zeros. */
__attribute__ ((target ("avx2,fma,f16c")))
static void
pack_weights (const VilaMatrix *w,
              gsize             row0,
              gsize             k0,
              gsize             depth,
              float            *dst)
{
  gsize element = vila_tensor_type_size (w->type), row_bytes = w->cols * element;
  gsize whole = depth & ~(gsize) 7;

  for (gsize half = 0; half < TILE_ROWS; half += 8)
    {
      gsize first = row0 + half;
      gsize rows = first < w->rows ? MIN (8, w->rows - first) : 0;
      gsize k = 0;

      if (rows == 8)
        for (; k < whole; k += 8)
          pack_8x8 (w->data + first * row_bytes + (k0 + k) * element, row_bytes, w->type, dst + k * TILE_ROWS + half);
      /* The last rows of the matrix, or the last k of a row. */
      for (gsize r = 0; r < 8; r++)
        {
          g_autofree float *row = NULL;

          if (r < rows && k < depth)
            {
              row = g_new (float, w->cols);
              vila_matrix_row (w, first + r, row);
            }
          for (gsize kk = k; kk < depth; kk++)
            dst[kk * TILE_ROWS + half + r] = r < rows ? row[k0 + kk] : 0.0f;
        }
    }
}

/* The register tile: 6 inputs × 16 weight rows over @depth k, added to
 * (or, for the first pass, stored in) @out, whose rows are @stride floats
 * apart; only @inputs × @rows of it are written. */
__attribute__ ((target ("avx2,fma,f16c")))
static void
kernel_6x16 (const float *packed_x,
             const float *packed_w,
             gsize        depth,
             float       *out,
             gsize        stride,
             gsize        inputs,
             gsize        rows,
             gboolean     accumulate)
{
  __m256 c00 = _mm256_setzero_ps (), c01 = _mm256_setzero_ps ();
  __m256 c10 = _mm256_setzero_ps (), c11 = _mm256_setzero_ps ();
  __m256 c20 = _mm256_setzero_ps (), c21 = _mm256_setzero_ps ();
  __m256 c30 = _mm256_setzero_ps (), c31 = _mm256_setzero_ps ();
  __m256 c40 = _mm256_setzero_ps (), c41 = _mm256_setzero_ps ();
  __m256 c50 = _mm256_setzero_ps (), c51 = _mm256_setzero_ps ();
  float tile[TILE_INPUTS][TILE_ROWS];

  /* The tile of @out is read at the end: on its way to L1 meanwhile. */
  if (accumulate)
    for (gsize i = 0; i < inputs; i++)
      {
        _mm_prefetch ((const char *) (out + i * stride), _MM_HINT_T0);
        _mm_prefetch ((const char *) (out + i * stride + 15), _MM_HINT_T0);
      }

#pragma GCC unroll 4
  for (gsize k = 0; k < depth; k++)
    {
      const float *a = packed_x + k * TILE_INPUTS;
      __m256 b0 = _mm256_load_ps (packed_w + k * TILE_ROWS);
      __m256 b1 = _mm256_load_ps (packed_w + k * TILE_ROWS + 8);
      __m256 v;

      v = _mm256_broadcast_ss (a + 0);
      c00 = _mm256_fmadd_ps (v, b0, c00);
      c01 = _mm256_fmadd_ps (v, b1, c01);
      v = _mm256_broadcast_ss (a + 1);
      c10 = _mm256_fmadd_ps (v, b0, c10);
      c11 = _mm256_fmadd_ps (v, b1, c11);
      v = _mm256_broadcast_ss (a + 2);
      c20 = _mm256_fmadd_ps (v, b0, c20);
      c21 = _mm256_fmadd_ps (v, b1, c21);
      v = _mm256_broadcast_ss (a + 3);
      c30 = _mm256_fmadd_ps (v, b0, c30);
      c31 = _mm256_fmadd_ps (v, b1, c31);
      v = _mm256_broadcast_ss (a + 4);
      c40 = _mm256_fmadd_ps (v, b0, c40);
      c41 = _mm256_fmadd_ps (v, b1, c41);
      v = _mm256_broadcast_ss (a + 5);
      c50 = _mm256_fmadd_ps (v, b0, c50);
      c51 = _mm256_fmadd_ps (v, b1, c51);
    }

  if (inputs == TILE_INPUTS && rows == TILE_ROWS)
    {
#define STORE(i, lo, hi)                                                                           \
      do {                                                                                         \
        float *o = out + (i) * stride;                                                             \
        if (accumulate)                                                                            \
          {                                                                                        \
            lo = _mm256_add_ps (lo, _mm256_loadu_ps (o));                                          \
            hi = _mm256_add_ps (hi, _mm256_loadu_ps (o + 8));                                      \
          }                                                                                        \
        _mm256_storeu_ps (o, lo);                                                                  \
        _mm256_storeu_ps (o + 8, hi);                                                              \
      } while (0)
      STORE (0, c00, c01);
      STORE (1, c10, c11);
      STORE (2, c20, c21);
      STORE (3, c30, c31);
      STORE (4, c40, c41);
      STORE (5, c50, c51);
#undef STORE
      return;
    }

  /* An edge of the product: through a buffer, the part that exists. */
  _mm256_storeu_ps (tile[0], c00);
  _mm256_storeu_ps (tile[0] + 8, c01);
  _mm256_storeu_ps (tile[1], c10);
  _mm256_storeu_ps (tile[1] + 8, c11);
  _mm256_storeu_ps (tile[2], c20);
  _mm256_storeu_ps (tile[2] + 8, c21);
  _mm256_storeu_ps (tile[3], c30);
  _mm256_storeu_ps (tile[3] + 8, c31);
  _mm256_storeu_ps (tile[4], c40);
  _mm256_storeu_ps (tile[4] + 8, c41);
  _mm256_storeu_ps (tile[5], c50);
  _mm256_storeu_ps (tile[5] + 8, c51);
  for (gsize i = 0; i < inputs; i++)
    for (gsize j = 0; j < rows; j++)
      out[i * stride + j] = accumulate ? out[i * stride + j] + tile[i][j] : tile[i][j];
}

/* Weight rows [first, last) × CHUNK_ROWS: for each depth block, the
 * chunk's weights packed (64 KB, in L2), then every input block against
 * every panel of 16 rows. */
__attribute__ ((target ("avx2,fma,f16c")))
static void
gemm_chunks (gpointer data,
             gsize    first,
             gsize    last)
{
  GemmJob *job = data;
  const VilaMatrix *w = job->w;
  gsize cols = w->cols, n = job->n, ldo = w->rows;
  float *packed_w = vila_cpu_scratch (VILA_CPU_SCRATCH_WORK, CHUNK_ROWS * DEPTH_BLOCK + 8);

  /* 32-byte aligned for the kernel's aligned loads. */
  packed_w = (float *) (((guintptr) packed_w + 31) & ~(guintptr) 31);

  for (gsize chunk = first; chunk < last; chunk++)
    {
      gsize row0 = chunk * CHUNK_ROWS, rows = MIN (CHUNK_ROWS, w->rows - row0);

      for (gsize k0 = 0; k0 < cols; k0 += DEPTH_BLOCK)
        {
          gsize depth = MIN (DEPTH_BLOCK, cols - k0);

          for (gsize j = 0; j < rows; j += TILE_ROWS)
            pack_weights (w, row0 + j, k0, depth, packed_w + j * DEPTH_BLOCK);

          for (gsize i0 = 0; i0 < n; i0 += INPUT_BLOCK)
            for (gsize j = 0; j < rows; j += TILE_ROWS)
              for (gsize i = i0; i < MIN (n, i0 + INPUT_BLOCK); i += TILE_INPUTS)
                kernel_6x16 (input_panel (job, i / TILE_INPUTS, k0), packed_w + j * DEPTH_BLOCK, depth,
                             job->out + i * ldo + row0 + j, ldo, MIN (TILE_INPUTS, n - i),
                             MIN (TILE_ROWS, rows - j), k0 > 0);
        }
      if (job->bias != NULL)
        vila_cpu_add_bias (job->out, n, ldo, job->bias, row0, rows);
    }
}
#endif

gboolean
vila_cpu_gemm_available (void)
{
#if defined(__x86_64__) && G_BYTE_ORDER == G_LITTLE_ENDIAN
  static gint available = -1;

  /* VILA_CPU_GEMM=blas hands the products to OpenBLAS instead, to compare. */
  if (available < 0)
    available = vila_cpu_has_avx2 () && g_strcmp0 (g_getenv ("VILA_CPU_GEMM"), "blas") != 0;
  return available;
#else
  return FALSE;
#endif
}

gboolean
vila_cpu_gemm (float            *out,
               const float      *x,
               gsize             n,
               const VilaMatrix *w,
               const float      *bias)
{
#if defined(__x86_64__) && G_BYTE_ORDER == G_LITTLE_ENDIAN
  gsize panels = (n + TILE_INPUTS - 1) / TILE_INPUTS;
  GemmJob job = { out, x, n, w, bias, panels, NULL };

  if (!vila_cpu_gemm_available () || n == 0 || w->rows == 0 || w->cols == 0)
    return FALSE;
  job.packed_x = vila_cpu_scratch (VILA_CPU_SCRATCH_SHARED, panels * TILE_INPUTS * w->cols);
  vila_cpu_parallel_for (panels, 1, pack_inputs, &job);
  vila_cpu_parallel_for (round_up (w->rows, CHUNK_ROWS) / CHUNK_ROWS, 1, gemm_chunks, &job);
  return TRUE;
#else
  return FALSE;
#endif
}
