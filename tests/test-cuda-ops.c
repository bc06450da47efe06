/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Every operation of the CUDA backend against the CPU backend on random
 * inputs of awkward sizes: odd lengths, head widths 64/72/80/128, GQA
 * ratios 1/4/7, weights in each precision the GPU keeps. Skipped (never
 * passed) where no usable GPU is.
 */
#include "config.h"

#define VILA_TEST_ENGINE_OPS

#include <string.h>

#include "backend.h"
#include "sampler.h"
#include "vila-test-util.h"
#include "vila-test-backend.h"

#if VILA_HAVE_CUDA

static GRand *rng;

static float *
random_floats (gsize n,
               float scale)
{
  float *values = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    values[i] = (float) g_rand_double_range (rng, -scale, scale);
  return values;
}

/* A checkpoint-like matrix in bfloat16 (kept alive by the caller). */
static VilaMatrix
random_matrix (gsize     rows,
               gsize     cols,
               float     scale,
               guint16 **storage)
{
  VilaMatrix m = { VILA_TENSOR_BF16, NULL, rows, cols, NULL, VILA_TENSOR_BF16 };
  g_autofree float *values = random_floats (rows * cols, scale);

  *storage = g_new (guint16, rows * cols);
  for (gsize i = 0; i < rows * cols; i++)
    {
      guint32 bits;

      memcpy (&bits, &values[i], 4);
      (*storage)[i] = GUINT16_TO_LE (bits >> 16);
    }
  m.data = (const guint8 *) *storage;
  return m;
}

static const VilaBackendOps *
cuda_ops (VilaDtype dtype)
{
  g_autoptr(GError) error = NULL;
  const VilaBackendOps *ops = vila_cuda_backend_get (dtype, &error);

  g_assert_no_error (error);
  return ops;
}

static float *
to_device (const VilaBackendOps *ops,
           const float          *host,
           gsize                 n)
{
  float *device = ops->alloc (n);

  g_assert_nonnull (device);
  ops->upload (device, host, n);
  return device;
}

/* Downloads @device, frees it and compares with @expected. */
static void
assert_close (const VilaBackendOps *ops,
              float                *device,
              const float          *expected,
              gsize                 n,
              double                tolerance,
              const char           *what)
{
  g_autofree float *ours = g_new (float, n);
  double error;

  ops->download (ours, device, n);
  ops->free (device);
  error = vila_test_relative_error (ours, expected, n);
  g_test_message ("%s: relative error %.2e", what, error);
  if (error > tolerance)
    g_error ("%s: relative error %.2e over %.0e", what, error, tolerance);
}

static void
test_matmul (void)
{
  /* One row with columns in eights: the matrix-vector kernel; otherwise cuBLAS. */
  static const gsize shapes[][3] = {
    { 1, 17, 8 }, { 7, 129, 72 }, { 33, 1000, 333 }, { 1, 2560, 2560 }, { 130, 96, 1152 }, { 1, 1000, 333 },
    { 1, 32000, 2560 },
  };
  static const VilaDtype dtypes[] = { VILA_DTYPE_F32, VILA_DTYPE_F16, VILA_DTYPE_BF16 };

  for (guint d = 0; d < G_N_ELEMENTS (dtypes); d++)
    for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
      {
        const VilaBackendOps *ops = cuda_ops (dtypes[d]);
        gsize n = shapes[s][0], rows = shapes[s][1], cols = shapes[s][2];
        g_autofree guint16 *w_bits = NULL;
        g_autofree float *x = random_floats (n * cols, 1.0f);
        g_autofree float *bias_values = random_floats (rows, 0.5f);
        g_autofree float *expected = g_new (float, n * rows);
        g_autofree char *what = g_strdup_printf ("matmul %s %zu×%zu×%zu", vila_dtype_to_string (dtypes[d]), n, rows, cols);
        VilaMatrix w = random_matrix (rows, cols, 0.1f, &w_bits);
        VilaMatrix bias = { VILA_TENSOR_F32, (const guint8 *) bias_values, 1, rows, NULL, VILA_TENSOR_F32 };
        g_autoptr(GError) error = NULL;
        float *out = ops->alloc (n * rows);

        vila_cpu_backend.matmul (expected, x, n, &w, &bias);
        g_assert_true (ops->bind (&w, &error));
        g_assert_true (ops->bind (&bias, &error));
        g_assert_no_error (error);
        {
          float *dx = to_device (ops, x, n * cols);

          ops->matmul (out, dx, n, &w, &bias);
          ops->free (dx);
        }
        /* Half inputs: each product term carries ~2^-11 relative error. */
        assert_close (ops, out, expected, n * rows, dtypes[d] == VILA_DTYPE_F32 ? 1e-5 : 2e-2, what);
        ops->release (&w);
        ops->release (&bias);
      }
}

static void
test_norms (void)
{
  static const gsize dims[] = { 77, 1000, 2560 };
  const VilaBackendOps *ops = cuda_ops (VILA_DTYPE_F32);

  for (guint i = 0; i < G_N_ELEMENTS (dims); i++)
    {
      gsize n = 5, dim = dims[i];
      g_autofree float *x = random_floats (n * dim, 3.0f);
      g_autofree float *w_values = random_floats (dim, 1.0f);
      g_autofree float *b_values = random_floats (dim, 1.0f);
      g_autofree float *expected = g_new (float, n * dim);
      VilaMatrix w = { VILA_TENSOR_F32, (const guint8 *) w_values, 1, dim, NULL, VILA_TENSOR_F32 };
      VilaMatrix b = { VILA_TENSOR_F32, (const guint8 *) b_values, 1, dim, NULL, VILA_TENSOR_F32 };
      float *dx = to_device (ops, x, n * dim);

      g_assert_true (ops->bind (&w, NULL) && ops->bind (&b, NULL));
      vila_cpu_backend.rms_norm (expected, x, n, dim, &w, 1e-5f);
      {
        float *out = ops->alloc (n * dim);

        ops->rms_norm (out, dx, n, dim, &w, 1e-5f);
        assert_close (ops, out, expected, n * dim, 1e-5, "RMSNorm");
      }
      vila_cpu_backend.layer_norm (expected, x, n, dim, &w, &b, 1e-6f);
      {
        float *out = ops->alloc (n * dim);

        ops->layer_norm (out, dx, n, dim, &w, &b, 1e-6f);
        assert_close (ops, out, expected, n * dim, 1e-5, "LayerNorm");
      }
      ops->free (dx);
      ops->release (&w);
      ops->release (&b);
    }
}

static void
test_rope (void)
{
  static const gsize head_dims[] = { 64, 72, 80, 128 };
  const VilaBackendOps *ops = cuda_ops (VILA_DTYPE_F32);

  for (guint i = 0; i < G_N_ELEMENTS (head_dims); i++)
    {
      gsize n = 9, heads = 3, head_dim = head_dims[i], size = n * heads * head_dim;
      g_autofree float *x = random_floats (size, 1.0f);
      g_autofree float *inv_freq = g_new (float, head_dim / 2);
      float *dx = to_device (ops, x, size);

      for (gsize j = 0; j < head_dim / 2; j++)
        inv_freq[j] = 1.0f / powf (10000.0f, 2.0f * j / head_dim);
      ops->rope (dx, n, heads, head_dim, 1000, inv_freq);
      vila_cpu_backend.rope (x, n, heads, head_dim, 1000, inv_freq);
      assert_close (ops, dx, x, size, 1e-5, "rotary embedding");
    }
}

static void
test_attention (void)
{
  /* head width, heads, key/value heads, queries, keys, first query's
   * position, causal: below 16 queries our kernel, from 16 on products */
  static const struct { gsize head_dim, heads, kv_heads, n_q, n_kv, q_start; gboolean causal; } cases[] = {
    { 64, 4, 4, 37, 37, 0, TRUE },          /* prefill */
    { 72, 16, 16, 50, 50, 0, FALSE },       /* SigLIP's vision tower */
    { 80, 8, 2, 1, 1037, 1036, TRUE },      /* decode, GQA 4 */
    { 128, 14, 2, 13, 300, 287, TRUE },     /* a follow-up turn, GQA 7 */
    { 128, 32, 8, 1, 5000, 4999, TRUE },    /* long context */
    { 80, 8, 2, 40, 70, 30, TRUE },         /* a follow-up prefill, GQA 4 */
    { 128, 14, 2, 20, 20, 0, TRUE },        /* prefill, GQA 7 */
    { 64, 32, 32, 1500, 1500, 0, TRUE },    /* scores in several chunks */
  };
  const VilaBackendOps *ops = cuda_ops (VILA_DTYPE_F32);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize q_size = cases[i].n_q * cases[i].heads * cases[i].head_dim;
      gsize kv_size = cases[i].n_kv * cases[i].kv_heads * cases[i].head_dim;
      g_autofree float *q = random_floats (q_size, 2.0f);
      g_autofree float *k = random_floats (kv_size, 2.0f);
      g_autofree float *v = random_floats (kv_size, 1.0f);
      g_autofree float *expected = g_new (float, q_size);
      g_autofree char *what = g_strdup_printf ("attention d%zu h%zu/%zu %zu over %zu", cases[i].head_dim,
                                               cases[i].heads, cases[i].kv_heads, cases[i].n_q, cases[i].n_kv);
      float *dq = to_device (ops, q, q_size), *dk = to_device (ops, k, kv_size), *dv = to_device (ops, v, kv_size);
      float *out = ops->alloc (q_size);

      vila_cpu_backend.attention (expected, q, k, v, cases[i].n_q, cases[i].n_kv, cases[i].q_start, cases[i].heads,
                                  cases[i].kv_heads, cases[i].head_dim, cases[i].causal);
      ops->attention (out, dq, dk, dv, cases[i].n_q, cases[i].n_kv, cases[i].q_start, cases[i].heads,
                      cases[i].kv_heads, cases[i].head_dim, cases[i].causal);
      assert_close (ops, out, expected, q_size, 1e-5, what);
      ops->free (dq);
      ops->free (dk);
      ops->free (dv);
    }
}

static void
test_elementwise (void)
{
  const gsize n = 1001;
  const VilaBackendOps *ops = cuda_ops (VILA_DTYPE_F32);
  void (*const cpu_unary[]) (float *, gsize) = {
    vila_cpu_backend.gelu_tanh, vila_cpu_backend.gelu_erf, vila_cpu_backend.quick_gelu,
  };
  void (*const cuda_unary[]) (float *, gsize) = { ops->gelu_tanh, ops->gelu_erf, ops->quick_gelu };
  g_autofree float *x = random_floats (n, 6.0f);
  g_autofree float *y = random_floats (n, 6.0f);
  g_autofree float *expected = NULL;
  float *dx, *dy;

  for (guint i = 0; i < G_N_ELEMENTS (cpu_unary); i++)
    {
      expected = g_memdup2 (x, n * sizeof (float));
      cpu_unary[i] (expected, n);
      dx = to_device (ops, x, n);
      cuda_unary[i] (dx, n);
      assert_close (ops, dx, expected, n, 1e-6, "activation");
      g_clear_pointer (&expected, g_free);
    }

  expected = g_memdup2 (x, n * sizeof (float));
  vila_cpu_backend.silu_mul (expected, y, n);
  dx = to_device (ops, x, n);
  dy = to_device (ops, y, n);
  ops->silu_mul (dx, dy, n);
  assert_close (ops, dx, expected, n, 1e-6, "SiLU gate");

  memcpy (expected, x, n * sizeof (float));
  vila_cpu_backend.add (expected, y, n);
  dx = to_device (ops, x, n);
  ops->add (dx, dy, n);
  assert_close (ops, dx, expected, n, 0, "addition");
  ops->free (dy);

  dx = ops->alloc (n);
  ops->copy (dx, dy = to_device (ops, y, n), n);
  ops->free (dy);
  assert_close (ops, dx, y, n, 0, "copy");
}

static void
test_embed (void)
{
  static const VilaDtype dtypes[] = { VILA_DTYPE_F32, VILA_DTYPE_F16, VILA_DTYPE_BF16 };
  const gint32 ids[] = { 49, 0, 7, 7, 31 };
  const gsize n = G_N_ELEMENTS (ids), cols = 72;

  for (guint d = 0; d < G_N_ELEMENTS (dtypes); d++)
    {
      const VilaBackendOps *ops = cuda_ops (dtypes[d]);
      g_autofree guint16 *bits = NULL;
      VilaMatrix table = random_matrix (50, cols, 1.0f, &bits);
      g_autofree float *expected = g_new (float, n * cols);
      float *out = ops->alloc (n * cols);

      g_assert_true (ops->bind (&table, NULL));
      vila_cpu_backend.embed (expected, &table, ids, n);
      ops->embed (out, &table, ids, n);
      /* bfloat16 values are exact in fp32 and bf16, and rounded in fp16. */
      assert_close (ops, out, expected, n * cols, dtypes[d] == VILA_DTYPE_F16 ? 1e-3 : 0, "embedding");
      ops->release (&table);
    }
}

/* Decoding's fused operations against the plain CPU ones they stand for. */
static void
test_fusions (void)
{
  static const VilaDtype dtypes[] = { VILA_DTYPE_F16, VILA_DTYPE_BF16 };
  const gsize hidden = 264, kv = 88, inter = 712, heads = 6, kv_heads = 2, head_dim = 44;

  for (guint d = 0; d < G_N_ELEMENTS (dtypes); d++)
    {
      const VilaBackendOps *ops = cuda_ops (dtypes[d]);
      guint16 *bits[5] = { NULL };
      VilaMatrix wq = random_matrix (hidden, hidden, 0.1f, &bits[0]);
      VilaMatrix wk = random_matrix (kv, hidden, 0.1f, &bits[1]);
      VilaMatrix wg = random_matrix (inter, hidden, 0.1f, &bits[2]);
      VilaMatrix wu = random_matrix (inter, hidden, 0.1f, &bits[3]);
      VilaMatrix wd = random_matrix (hidden, inter, 0.1f, &bits[4]);
      g_autofree float *norm_values = random_floats (hidden, 1.0f);
      g_autofree float *bias_values = random_floats (kv, 1.0f);
      VilaMatrix norm = { VILA_TENSOR_F32, (const guint8 *) norm_values, 1, hidden, NULL, VILA_TENSOR_F32 };
      VilaMatrix bias = { VILA_TENSOR_F32, (const guint8 *) bias_values, 1, kv, NULL, VILA_TENSOR_F32 };
      VilaMatrix *all[] = { &wq, &wk, &wg, &wu, &wd, &norm, &bias };
      g_autofree float *x = random_floats (hidden, 2.0f);
      g_autofree float *h = g_new (float, hidden);
      g_autofree float *q = g_new (float, hidden);
      g_autofree float *k = g_new (float, kv);
      g_autofree float *gate = g_new (float, inter);
      g_autofree float *up = g_new (float, inter);
      g_autofree float *sum = g_memdup2 (x, hidden * sizeof (float));
      float *dx, *dq, *dk, *dgate, *dsum;
      double tolerance = 2e-2;

      for (guint i = 0; i < G_N_ELEMENTS (all); i++)
        g_assert_true (ops->bind (all[i], NULL));

      /* q and k (with a bias) from the normalised row in one launch */
      vila_cpu_backend.rms_norm (h, x, 1, hidden, &norm, 1e-6f);
      vila_cpu_backend.matmul (q, h, 1, &wq, NULL);
      vila_cpu_backend.matmul (k, h, 1, &wk, &bias);
      dx = to_device (ops, h, hidden);
      dq = ops->alloc (hidden);
      dk = ops->alloc (kv);
      {
        float * const outs[] = { dq, dk };
        const VilaMatrix * const ws[] = { &wq, &wk };
        const VilaMatrix * const biases[] = { NULL, &bias };

        g_assert_true (ops->matmuls (dx, 1, 2, outs, ws, biases));
      }
      assert_close (ops, dq, q, hidden, tolerance, "q");
      assert_close (ops, dk, k, kv, tolerance, "k with bias");

      /* gate and up with SiLU */
      vila_cpu_backend.matmul (gate, h, 1, &wg, NULL);
      vila_cpu_backend.matmul (up, h, 1, &wu, NULL);
      vila_cpu_backend.silu_mul (gate, up, inter);
      dgate = ops->alloc (inter);
      g_assert_true (ops->gate_up (dgate, dx, 1, &wg, &wu));
      {
        g_autofree float *ours = g_new (float, inter);

        ops->download (ours, dgate, inter);
        g_assert_cmpfloat (vila_test_relative_error (ours, gate, inter), <=, tolerance);
      }

      /* the residual: sum += gate · wdᵀ */
      vila_cpu_backend.matmul (h, gate, 1, &wd, NULL);
      vila_cpu_backend.add (sum, h, hidden);
      dsum = to_device (ops, x, hidden);
      g_assert_true (ops->matmul_add (dsum, dgate, 1, &wd));
      assert_close (ops, dsum, sum, hidden, tolerance, "residual product");

      /* Two rows are not a decoding step: the caller runs the plain ops. */
      g_assert_false (ops->matmul_add (dx, dgate, 2, &wd));
      ops->free (dx);
      ops->free (dgate);
      for (guint i = 0; i < G_N_ELEMENTS (all); i++)
        ops->release (all[i]);
      for (guint i = 0; i < G_N_ELEMENTS (bits); i++)
        g_free (bits[i]);
    }

  /* rotary embedding and the cache store in one */
  {
    const VilaBackendOps *ops = cuda_ops (VILA_DTYPE_F16);
    gsize q_size = heads * head_dim, kv_size = kv_heads * head_dim, position = 5;
    g_autofree float *qv = random_floats (q_size, 1.0f);
    g_autofree float *kvv = random_floats (kv_size, 1.0f);
    g_autofree float *vv = random_floats (kv_size, 1.0f);
    g_autofree float *cache_k = g_new0 (float, 8 * kv_size);
    g_autofree float *cache_v = g_new0 (float, 8 * kv_size);
    g_autofree float *inv_freq = g_new (float, head_dim / 2);
    float *dq = to_device (ops, qv, q_size), *dk = to_device (ops, kvv, kv_size), *dv = to_device (ops, vv, kv_size);
    float *dck = to_device (ops, cache_k, 8 * kv_size), *dcv = to_device (ops, cache_v, 8 * kv_size);

    for (gsize j = 0; j < head_dim / 2; j++)
      inv_freq[j] = 1.0f / powf (10000.0f, 2.0f * j / head_dim);
    g_assert_true (ops->rope_store (dq, dk, dv, 1, heads, kv_heads, head_dim, position, inv_freq, dck, dcv));
    vila_cpu_backend.rope (qv, 1, heads, head_dim, position, inv_freq);
    vila_cpu_backend.rope (kvv, 1, kv_heads, head_dim, position, inv_freq);
    vila_cpu_backend.kv_store (cache_k, kvv, position, 1, kv_size);
    vila_cpu_backend.kv_store (cache_v, vv, position, 1, kv_size);
    assert_close (ops, dq, qv, q_size, 1e-5, "rotary q");
    assert_close (ops, dck, cache_k, 8 * kv_size, 1e-5, "rotary k stored");
    assert_close (ops, dcv, cache_v, 8 * kv_size, 0, "v stored");
    ops->free (dk);
    ops->free (dv);
  }
}

/* The projector's block merge, both orders, 2x2 and 3x3, an odd grid
 * (zero padding). */
static void
test_downsample (void)
{
  const VilaBackendOps *ops = cuda_ops (VILA_DTYPE_F32);
  const gsize grid = 27, channels = 13;

  for (gsize m = 2; m <= 3; m++)
    for (gboolean column_major = FALSE; column_major <= TRUE; column_major++)
      {
        gsize blocks = (grid + m - 1) / m, size = blocks * blocks * m * m * channels;
        g_autofree float *features = random_floats (grid * grid * channels, 1.0f);
        g_autofree float *expected = g_new (float, size);
        float *dfeatures = to_device (ops, features, grid * grid * channels);
        float *out = ops->alloc (size);

        vila_cpu_backend.downsample (expected, features, grid, channels, m, column_major);
        ops->downsample (out, dfeatures, grid, channels, m, column_major);
        assert_close (ops, out, expected, size, 0, "downsampling");
        ops->free (dfeatures);
      }
}

/* The greedy choice on the device: the first of equal maxima, as the CPU. */
static void
test_argmax (void)
{
  const VilaBackendOps *ops = cuda_ops (VILA_DTYPE_F32);
  const gsize sizes[] = { 1, 31, 32000, 128256 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree float *x = random_floats (sizes[i], 10.0f);
      float *dx;

      /* Ties at the top: two equal maxima, the first must win. */
      if (sizes[i] > 100)
        x[sizes[i] / 3] = x[sizes[i] / 2] = 20.0f;
      dx = to_device (ops, x, sizes[i]);
      g_assert_cmpint (ops->argmax (dx, sizes[i]), ==, vila_cpu_backend.argmax (x, sizes[i]));
      ops->free (dx);
    }
}

/* Sampling on the device against the host sampler with the same random
 * numbers: the same penalised logits and the same token every time. */
typedef struct {
  float temperature, top_p;
  guint top_k;
  float penalty;
  float quantum;   /* logits rounded to multiples of it (ties), or 0 */
  float scale;
} SampleCase;

static void
test_sample (void)
{
  const VilaBackendOps *ops = cuda_ops (VILA_DTYPE_F32);
  const gsize vocabs[] = { 1, 7, 1000, 32000, 151643 };
  const SampleCase cases[] = {
    { 0.0f, 1.0f, 0, 1.3f, 0.0f, 8.0f },     /* greedy after the penalty */
    { 0.7f, 0.9f, 0, 1.0f, 0.0f, 8.0f },
    { 1.0f, 1.0f, 0, 1.0f, 0.0f, 8.0f },     /* temperature alone */
    { 0.8f, 1.0f, 40, 1.2f, 0.0f, 8.0f },
    { 0.8f, 1.0f, 40, 1.0f, 0.5f, 4.0f },    /* ties across the top-k boundary */
    { 1.5f, 0.95f, 5000, 1.0f, 0.0f, 8.0f },
    { 0.5f, 0.5f, 1, 1.0f, 0.0f, 8.0f },
    { 2.0f, 0.999f, 0, 1.1f, 0.0f, 1.0f },   /* flat: top-p keeps most of the vocabulary */
  };

  for (guint v = 0; v < G_N_ELEMENTS (vocabs); v++)
    for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
      for (guint round = 0; round < 4; round++)
        {
          const SampleCase *sc = &cases[c];
          gsize vocab = vocabs[v], n_history = 1 + g_rand_int_range (rng, 0, 300);
          VilaSamplingParams params = { sc->temperature, sc->top_p, sc->top_k, sc->penalty, 0, 1 };
          g_autofree float *logits = random_floats (vocab, sc->scale);
          g_autofree float *expected_logits = NULL, *device_logits = g_new (float, vocab);
          g_autofree gint32 *history = g_new (gint32, n_history);
          double uniform = g_rand_double (rng);
          gint32 expected, token;
          float *dlogits;

          if (sc->quantum > 0)
            for (gsize i = 0; i < vocab; i++)
              logits[i] = roundf (logits[i] / sc->quantum) * sc->quantum;
          /* Repeats, image rows (-1) and ids past the vocabulary among them. */
          for (gsize i = 0; i < n_history; i++)
            history[i] = g_rand_int_range (rng, -1, (gint32) MIN (vocab + 2, 400));
          expected_logits = g_memdup2 (logits, vocab * sizeof (float));
          vila_sample_penalize (expected_logits, vocab, sc->penalty, history, n_history);
          expected = sc->temperature > 0 ? vila_sample_draw (expected_logits, vocab, &params, uniform)
                                         : vila_cpu_backend.argmax (expected_logits, vocab);

          dlogits = to_device (ops, logits, vocab);
          token = ops->sample (dlogits, vocab, &params, history, n_history, uniform);
          ops->download (device_logits, dlogits, vocab);
          ops->free (dlogits);
          g_assert_cmpmem (device_logits, vocab * sizeof (float), expected_logits, vocab * sizeof (float));
          if (token != expected)
            g_error ("vocabulary %" G_GSIZE_FORMAT ", case %u, round %u: the device chose %d, the host %d", vocab,
                     c, round, token, expected);
        }
}

#endif

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#if VILA_HAVE_CUDA
  g_setenv ("VILA_TEST_BACKEND", "cuda", TRUE);
  vila_test_require_backend ();
  rng = g_rand_new_with_seed (20261126);
  g_test_add_func ("/cuda/ops/matmul", test_matmul);
  g_test_add_func ("/cuda/ops/norms", test_norms);
  g_test_add_func ("/cuda/ops/rope", test_rope);
  g_test_add_func ("/cuda/ops/attention", test_attention);
  g_test_add_func ("/cuda/ops/elementwise", test_elementwise);
  g_test_add_func ("/cuda/ops/embed", test_embed);
  g_test_add_func ("/cuda/ops/argmax", test_argmax);
  g_test_add_func ("/cuda/ops/sample", test_sample);
  g_test_add_func ("/cuda/ops/fusions", test_fusions);
  g_test_add_func ("/cuda/ops/downsample", test_downsample);
#endif
  return g_test_run ();
}
