/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The language model on the CPU against transformers
 * (tools/reference/make_llm_fixtures.py): logits of every position within
 * 1e-4 of their scale, the same with the prompt split over two calls (the
 * KV cache), and the same 32 greedy tokens. Argument: tests/data/llm. */
#include "config.h"

#define VILA_TEST_ENGINE_OPS

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "cpu-gemm.h"
#include "cpu-kernels.h"
#include "llm.h"
#include "model-check.h"
#include "vila-test-util.h"
#include "vila-test-backend.h"

static const char *data_dir;

typedef struct {
  VilaLlmConfig  config;
  VilaWeights   *weights;
  VilaLlm       *llm;
  JsonParser    *golden;
  GArray        *ids;
  float         *reference;   /* [n_ids][vocab] */
} Fixture;

static void
fixture_load (Fixture    *f,
              const char *variant)
{
  g_autofree char *folder = g_build_filename (data_dir, variant, NULL);
  g_autofree char *config = g_build_filename (folder, "config.json", NULL);
  g_autofree char *golden = g_build_filename (folder, "golden.json", NULL);
  g_autofree char *logits = g_build_filename (folder, "logits.bin", NULL);
  g_autoptr(GError) error = NULL;
  JsonArray *ids;
  gsize length;

  g_assert_true (vila_llm_config_load (config, &f->config, &error));
  g_assert_no_error (error);
  f->weights = vila_weights_open (folder, &error);
  g_assert_no_error (error);
  g_assert_true (vila_check_llm (f->weights, folder, &f->config, &error));
  f->llm = vila_llm_new (&f->config, f->weights, vila_test_backend_ops (), NULL, &error);
  g_assert_no_error (error);

  f->golden = json_parser_new ();
  json_parser_load_from_file (f->golden, golden, &error);
  g_assert_no_error (error);
  ids = json_object_get_array_member (json_node_get_object (json_parser_get_root (f->golden)), "ids");
  f->ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  for (guint i = 0; i < json_array_get_length (ids); i++)
    {
      gint32 id = json_array_get_int_element (ids, i);
      g_array_append_val (f->ids, id);
    }

  g_file_get_contents (logits, (char **) &f->reference, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, (gsize) f->ids->len * f->config.vocab * sizeof (float));
}

static void
fixture_clear (Fixture *f)
{
  vila_llm_free (f->llm);
  vila_weights_free (f->weights);
  vila_llm_config_clear (&f->config);
  g_object_unref (f->golden);
  g_array_unref (f->ids);
  g_free (f->reference);
}

static gint32
argmax (const float *x,
        gsize        n)
{
  gsize best = 0;

  for (gsize i = 1; i < n; i++)
    if (x[i] > x[best])
      best = i;
  return (gint32) best;
}

static void
test_variant (gconstpointer data)
{
  Fixture f = { 0 };
  gsize vocab, n;
  g_autofree float *embeddings = NULL;
  g_autofree float *logits = NULL;
  g_autoptr(VilaKvCache) whole = NULL;
  g_autoptr(VilaKvCache) split = NULL;
  g_autoptr(VilaKvCache) greedy_cache = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *expected;
  double err;
  gsize first = 25;

  fixture_load (&f, data);
  vocab = f.config.vocab;
  n = f.ids->len;
  embeddings = g_new (float, n * f.config.hidden);
  logits = g_new (float, n * vocab);
  vila_llm_embed (f.llm, (const gint32 *) (void *) f.ids->data, n, embeddings);

  /* Every position in one call. */
  whole = vila_kv_cache_new (f.llm, 64);
  g_assert_true (vila_llm_forward (f.llm, whole, embeddings, n, TRUE, logits, &error));
  err = vila_test_relative_error (logits, f.reference, n * vocab);
  g_test_message ("%s: logits relative error %.2e", (const char *) data, err);
  g_assert_cmpfloat (err, <=, vila_test_tolerance ());

  /* The same in two calls: the second reads the first's keys and values.
   * Not for dynamic NTK, whose base depends on the length at each call:
   * cached keys keep the rotation they were written with, in
   * transformers too (the greedy check below covers that behaviour). */
  split = vila_kv_cache_new (f.llm, 64);
  if (f.config.rope_scaling == VILA_ROPE_DYNAMIC)
    first = n;
  g_assert_true (vila_llm_forward (f.llm, split, embeddings, first, TRUE, logits, &error));
  if (first < n)
    g_assert_true (vila_llm_forward (f.llm, split, embeddings + first * f.config.hidden, n - first, TRUE,
                                     logits + first * vocab, &error));
  g_assert_cmpuint (split->length, ==, n);
  g_assert_cmpfloat (vila_test_relative_error (logits, f.reference, n * vocab), <=, vila_test_tolerance ());

  /* Past the capacity: an error that says by how much, nothing changed. */
  g_assert_false (vila_llm_forward (f.llm, split, embeddings, 30, FALSE, logits, &error));
  g_assert_error (error, VILA_ERROR, VILA_ERROR_CONTEXT_FULL);
  g_assert_nonnull (strstr (error->message, "6 more than"));
  g_assert_cmpuint (split->length, ==, n);
  g_clear_error (&error);

  /* Greedy decoding, one token a step, as generate(do_sample=False);
   * half-precision weights are held to the CPU by test_half_decode()
   * instead, since random tiny models have near ties. */
  if (vila_test_tolerance () > 1e-4)
    {
      fixture_clear (&f);
      return;
    }
  expected = json_object_get_array_member (json_node_get_object (json_parser_get_root (f.golden)), "greedy");
  greedy_cache = vila_kv_cache_new (f.llm, 64);
  g_assert_true (vila_llm_forward (f.llm, greedy_cache, embeddings, 10, FALSE, logits, &error));
  for (guint step = 0; step < json_array_get_length (expected); step++)
    {
      gint32 token = argmax (logits, vocab);

      g_assert_cmpint (token, ==, json_array_get_int_element (expected, step));
      vila_llm_embed (f.llm, &token, 1, embeddings);
      g_assert_true (vila_llm_forward (f.llm, greedy_cache, embeddings, 1, FALSE, logits, &error));
    }

  fixture_clear (&f);
}

/* Half-precision weights on a GPU against the CPU, step by step for 32
 * decoding steps (replayed CUDA graphs from the second on): logits within
 * the tolerance, and a greedy choice that is the CPU's or scores within
 * the tolerance of it (a near tie); both continue with the CPU's choice. */
static void
test_half_decode (gconstpointer data)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaLlm) cpu = NULL;
  g_autoptr(VilaKvCache) gpu_cache = NULL;
  g_autoptr(VilaKvCache) cpu_cache = NULL;
  g_autofree float *embeddings = NULL;
  g_autofree float *gpu_logits = NULL;
  g_autofree float *cpu_logits = NULL;
  double tolerance = vila_test_tolerance ();
  guint same = 0, steps = 32;
  gsize vocab;

  fixture_load (&f, data);
  vocab = f.config.vocab;
  cpu = vila_llm_new (&f.config, f.weights, &vila_cpu_backend, NULL, &error);
  g_assert_no_error (error);
  gpu_cache = vila_kv_cache_new (f.llm, 64);
  cpu_cache = vila_kv_cache_new (cpu, 64);
  embeddings = g_new (float, 10 * f.config.hidden);
  gpu_logits = g_new (float, vocab);
  cpu_logits = g_new (float, vocab);
  vila_llm_embed (f.llm, (const gint32 *) (void *) f.ids->data, 10, embeddings);
  g_assert_true (vila_llm_forward (f.llm, gpu_cache, embeddings, 10, FALSE, gpu_logits, &error));
  g_assert_true (vila_llm_forward (cpu, cpu_cache, embeddings, 10, FALSE, cpu_logits, &error));

  for (guint step = 0; step < steps; step++)
    {
      gint32 ours = argmax (gpu_logits, vocab), theirs = argmax (cpu_logits, vocab);
      double scale = 0;

      for (gsize i = 0; i < vocab; i++)
        scale = MAX (scale, fabs (cpu_logits[i]));
      g_assert_cmpfloat (vila_test_relative_error (gpu_logits, cpu_logits, vocab), <=, tolerance);
      g_assert_cmpfloat (cpu_logits[ours], >=, cpu_logits[theirs] - tolerance * scale);
      same += ours == theirs;

      vila_llm_embed (cpu, &theirs, 1, embeddings);
      g_assert_true (vila_llm_forward (f.llm, gpu_cache, embeddings, 1, FALSE, gpu_logits, &error));
      g_assert_true (vila_llm_forward (cpu, cpu_cache, embeddings, 1, FALSE, cpu_logits, &error));
    }
  g_test_message ("%s: %u of %u greedy choices identical to the CPU's", (const char *) data, same, steps);
  g_clear_pointer (&cpu, vila_llm_free);
  fixture_clear (&f);
}

/* Prefill widens each block of weight rows at once (vector code where the
 * CPU has it; the -portable run takes the plain path): every bfloat16 and
 * half value as one row at a time gives it, the odd tail included. */
static void
test_widen_rows (void)
{
  const VilaTensorType types[] = { VILA_TENSOR_BF16, VILA_TENSOR_F16 };
  const gsize rows = 7, cols = 13;

  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autofree guint16 *storage = g_new (guint16, rows * cols);
      g_autofree float *widened = g_new (float, 5 * cols);
      g_autofree float *row = g_new (float, cols);
      VilaMatrix m = { types[t], (const guint8 *) storage, rows, cols, NULL, types[t] };

      /* Every bit pattern family: signs, subnormals, large exponents. */
      for (gsize i = 0; i < rows * cols; i++)
        storage[i] = GUINT16_TO_LE ((guint16) (i * 2654435761u >> 13) & 0xfbff);
      vila_cpu_widen_rows (&m, 2, 5, widened);
      for (gsize j = 0; j < 5; j++)
        {
          vila_matrix_row (&m, 2 + j, row);
          g_assert_cmpmem (widened + j * cols, cols * sizeof (float), row, cols * sizeof (float));
        }
    }
}

typedef gboolean (*ProductFunc) (float            *out,
                                 const float      *x,
                                 gsize             n,
                                 const VilaMatrix *w,
                                 const float      *bias);

/* @product against sums in double, for each weight dtype, with and without
 * a bias, over every combination of @inputs, @rows and @depths. */
static void
check_products (ProductFunc  product,
                const gsize *inputs,
                guint        n_inputs,
                const gsize *rows,
                guint        n_rows,
                const gsize *depths,
                guint        n_depths)
{
  const VilaTensorType types[] = { VILA_TENSOR_BF16, VILA_TENSOR_F16, VILA_TENSOR_F32 };

  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    for (guint a = 0; a < n_inputs; a++)
      for (guint b = 0; b < n_rows; b++)
        for (guint c = 0; c < n_depths; c++)
          {
            gsize n = inputs[a], m = rows[b], k = depths[c], size = vila_tensor_type_size (types[t]);
            g_autofree guint8 *storage = g_malloc (m * k * size);
            g_autofree float *x = g_new (float, n * k), *bias = g_new (float, m), *row = g_new (float, k);
            g_autofree float *out = g_new (float, n * m), *out_bias = g_new (float, n * m);
            VilaMatrix w = { types[t], storage, m, k, NULL, types[t] };
            GRand *rand = g_rand_new_with_seed (t * 1000 + a * 100 + b * 10 + c);

            for (gsize e = 0; e < m * k; e++)
              {
                float value = (float) g_rand_double_range (rand, -1, 1);
                guint16 half;

                if (types[t] == VILA_TENSOR_F32)
                  memcpy (storage + e * 4, &value, 4);
                else
                  {
                    guint32 bits;

                    memcpy (&bits, &value, 4);
                    /* bf16: the top half; half: a value of few bits. */
                    half = types[t] == VILA_TENSOR_BF16 ? (guint16) (bits >> 16)
                                                         : (guint16) (0x3800 + g_rand_int_range (rand, -800, 800));
                    half = GUINT16_TO_LE (half);
                    memcpy (storage + e * 2, &half, 2);
                  }
              }
            for (gsize e = 0; e < n * k; e++)
              x[e] = (float) g_rand_double_range (rand, -1, 1);
            for (gsize j = 0; j < m; j++)
              bias[j] = (float) g_rand_double_range (rand, -1, 1);
            g_rand_free (rand);

            g_assert_true (product (out, x, n, &w, NULL));
            g_assert_true (product (out_bias, x, n, &w, bias));
            for (gsize j = 0; j < m; j++)
              {
                vila_matrix_row (&w, j, row);
                for (gsize i = 0; i < n; i++)
                  {
                    double sum = 0, scale = 0;

                    for (gsize e = 0; e < k; e++)
                      {
                        sum += (double) x[i * k + e] * row[e];
                        scale += fabs ((double) x[i * k + e] * row[e]);
                      }
                    g_assert_cmpfloat (fabs (out[i * m + j] - sum), <=, 1e-6 * (scale + 1e-30));
                    g_assert_cmpfloat (fabs (out_bias[i * m + j] - (sum + bias[j])), <=, 1e-6 * (scale + fabs (bias[j])));
                  }
              }
          }
}

/* The packed product of prefill (cpu-gemm.c), over shapes that end inside
 * a register tile, a depth block and an eight-wide vector in every
 * direction. */
static void
test_gemm (void)
{
  const gsize inputs[] = { 1, 6, 7, 17, 200 };
  const gsize rows[] = { 1, 16, 17, 70 };
  const gsize depths[] = { 1, 8, 13, 256, 600 };

  if (!vila_cpu_gemm_available ())
    {
      g_test_skip ("this CPU (or VILA_CPU_PORTABLE) has no AVX2/FMA/F16C: the product goes to OpenBLAS");
      return;
    }
  check_products (vila_cpu_gemm, inputs, G_N_ELEMENTS (inputs), rows, G_N_ELEMENTS (rows), depths,
                  G_N_ELEMENTS (depths));
}

/* The rows of a product in two ranges, as the pool shares them out. */
static gboolean
rows_in_two_ranges (float            *out,
                    const float      *x,
                    gsize             n,
                    const VilaMatrix *w,
                    const float      *bias)
{
  vila_cpu_matmul_rows (out, x, n, w, bias, 0, w->rows / 2);
  vila_cpu_matmul_rows (out, x, n, w, bias, w->rows / 2, w->rows);
  return TRUE;
}

/* The row kernels of decoding (one input: the bf16 kernel's groups of
 * four rows, with one to three left over in a range, and rows enough for
 * its prefetch to reach ahead) and of a few inputs, odd rows and every
 * tail of sixteen and eight; under VILA_CPU_PORTABLE the portable loops. */
static void
test_matmul_rows (void)
{
  const gsize inputs[] = { 1, 2, 5 };
  const gsize rows[] = { 1, 2, 3, 7, 16, 17, 38 };
  const gsize depths[] = { 1, 8, 15, 16, 17, 48, 600 };

  check_products (rows_in_two_ranges, inputs, G_N_ELEMENTS (inputs), rows, G_N_ELEMENTS (rows), depths,
                  G_N_ELEMENTS (depths));
}

/* Decoding with bf16 weights gives each row the same sum wherever the
 * pool's ranges cut the rows (so the answer does not depend on the number
 * of threads): one range against ranges of every length from 1 to 9. */
static void
test_decode_rows_split (void)
{
  const gsize m = 45, k = 600;
  g_autofree guint16 *storage = g_new (guint16, m * k);
  g_autofree float *x = g_new (float, k), *whole = g_new (float, m), *pieces = g_new (float, m);
  VilaMatrix w = { VILA_TENSOR_BF16, (guint8 *) storage, m, k, NULL, VILA_TENSOR_BF16 };
  GRand *rand = g_rand_new_with_seed (45);

  for (gsize e = 0; e < m * k; e++)
    {
      float value = (float) g_rand_double_range (rand, -1, 1);
      guint32 bits;

      memcpy (&bits, &value, 4);
      storage[e] = GUINT16_TO_LE ((guint16) (bits >> 16));
    }
  for (gsize e = 0; e < k; e++)
    x[e] = (float) g_rand_double_range (rand, -1, 1);
  g_rand_free (rand);

  vila_cpu_matmul_rows (whole, x, 1, &w, NULL, 0, m);
  for (gsize length = 1; length <= 9; length++)
    {
      memset (pieces, 0, m * sizeof (float));
      for (gsize first = 0; first < m; first += length)
        vila_cpu_matmul_rows (pieces, x, 1, &w, NULL, first, MIN (m, first + length));
      g_assert_cmpmem (pieces, m * sizeof (float), whole, m * sizeof (float));
    }
}

/* One query's attention over @visible keys, in double: @k and @v at its
 * head, rows @stride floats apart. */
static void
reference_attend (double      *out,
                  const float *q,
                  const float *k,
                  const float *v,
                  gsize        visible,
                  gsize        stride,
                  gsize        head_dim)
{
  g_autofree double *weights = g_new (double, visible);
  double scale = 1.0 / sqrt ((double) head_dim), max = -G_MAXDOUBLE, total = 0;

  for (gsize t = 0; t < visible; t++)
    {
      double dot = 0;

      for (gsize d = 0; d < head_dim; d++)
        dot += (double) q[d] * k[t * stride + d];
      weights[t] = dot * scale;
      max = MAX (max, weights[t]);
    }
  for (gsize t = 0; t < visible; t++)
    total += weights[t] = exp (weights[t] - max);
  for (gsize d = 0; d < head_dim; d++)
    {
      out[d] = 0;
      for (gsize t = 0; t < visible; t++)
        out[d] += weights[t] / total * v[t * stride + d];
    }
}

/* Decoding attention, one query of one head, against sums in double:
 * head sizes that take every path of the kernel's value sums (80 in one
 * pass, 64 and 128 in passes of 64, eight at a time for the rest), few
 * and many positions (the keys four at a time, then one), and heads
 * interleaved in the cache as the backend keeps them. */
static void
test_attend (void)
{
  const gsize head_dims[] = { 8, 24, 64, 80, 88, 128, 136 };
  const gsize positions[] = { 1, 3, 4, 7, 260 };
  const gsize n_heads = 3, head = 1;

  for (guint a = 0; a < G_N_ELEMENTS (head_dims); a++)
    for (guint b = 0; b < G_N_ELEMENTS (positions); b++)
      {
        gsize head_dim = head_dims[a], visible = positions[b], stride = n_heads * head_dim;
        g_autofree float *k = g_new (float, visible * stride), *v = g_new (float, visible * stride);
        g_autofree float *q = g_new (float, head_dim), *out = g_new (float, head_dim);
        g_autofree float *scores = g_new (float, visible);
        g_autofree double *expected = g_new (double, head_dim);
        float scale = 1.0f / sqrtf ((float) head_dim);
        GRand *rand = g_rand_new_with_seed (a * 100 + b);

        for (gsize e = 0; e < visible * stride; e++)
          {
            k[e] = (float) g_rand_double_range (rand, -1, 1);
            v[e] = (float) g_rand_double_range (rand, -1, 1);
          }
        for (gsize d = 0; d < head_dim; d++)
          q[d] = (float) g_rand_double_range (rand, -2, 2);
        g_rand_free (rand);

        vila_cpu_attend (out, q, k + head * head_dim, v + head * head_dim, visible, stride, head_dim, scale, scores);
        reference_attend (expected, q, k + head * head_dim, v + head * head_dim, visible, stride, head_dim);
        for (gsize d = 0; d < head_dim; d++)
          if (fabs (out[d] - expected[d]) > 1e-5)
            g_error ("head of %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT " positions: output %" G_GSIZE_FORMAT
                     " is %g, expected %g", head_dim, visible, d, out[d], expected[d]);
      }
}

static void
check_close (const char *what,
             gsize       n,
             gsize       i,
             double      got,
             double      expected)
{
  /* Relative, and absolute for the values e^x makes tiny (a GELU of -30
   * is 1e-23, of -100 nothing), whose argument float rounds. */
  if (!(fabs (got - expected) <= 4e-6 * fabs (expected) + 1e-10))
    g_error ("%s of %" G_GSIZE_FORMAT " values: value %" G_GSIZE_FORMAT " is %.9g, expected %.9g", what, n, i, got,
             expected);
}

/* The activations and softmax against their formulas in double, for
 * every length up to 37 (vectors of eight and what is left), with values
 * from -100 to 100 where e^x leaves the float range, and NaN kept. */
static void
test_activations (void)
{
  for (gsize n = 1; n <= 37; n++)
    {
      g_autofree float *x = g_new (float, n), *up = g_new (float, n), *out = g_new (float, n);
      GRand *rand = g_rand_new_with_seed (n);
      double max = -G_MAXDOUBLE, total = 0;

      for (gsize i = 0; i < n; i++)
        {
          /* Both ends of the range, then small and middling values. */
          x[i] = i == 0 ? -100.0f : i == 1 ? 100.0f : (float) g_rand_double_range (rand, i % 3 ? -6 : -40, i % 3 ? 6 : 40);
          up[i] = (float) g_rand_double_range (rand, -2, 2);
        }
      g_rand_free (rand);

      memcpy (out, x, n * sizeof (float));
      vila_cpu_gelu_tanh (out, n);
      for (gsize i = 0; i < n; i++)
        check_close ("gelu_tanh", n, i, out[i],
                     0.5 * x[i] * (1 + tanh (sqrt (2 / G_PI) * (x[i] + 0.044715 * pow (x[i], 3)))));
      memcpy (out, x, n * sizeof (float));
      vila_cpu_quick_gelu (out, n);
      for (gsize i = 0; i < n; i++)
        check_close ("quick_gelu", n, i, out[i], x[i] / (1 + exp (-1.702 * x[i])));
      memcpy (out, x, n * sizeof (float));
      vila_cpu_silu_mul (out, up, n);
      for (gsize i = 0; i < n; i++)
        check_close ("silu_mul", n, i, out[i], x[i] / (1 + exp (-(double) x[i])) * up[i]);

      /* Softmax of scores from -100 to 100: most of them vanish. */
      memcpy (out, x, n * sizeof (float));
      vila_cpu_softmax (out, n);
      for (gsize i = 0; i < n; i++)
        max = MAX (max, x[i]);
      for (gsize i = 0; i < n; i++)
        total += exp (x[i] - max);
      for (gsize i = 0; i < n; i++)
        check_close ("softmax", n, i, out[i], exp (x[i] - max) / total);
    }

  /* NaN stays NaN, infinities give their limits. */
  {
    float v[9] = { NAN, INFINITY, -INFINITY, 0, 1, 2, 3, 4, 5 };

    vila_cpu_gelu_tanh (v, 9);
    g_assert_true (isnan (v[0]));
    g_assert_true (isinf (v[1]) && v[1] > 0);
    g_assert_cmpfloat (v[3], ==, 0.0f);
  }
}

/* The backend's attention of many queries (a prefill, the vision tower)
 * against sums in double: queries in blocks, the last one short; causal
 * after cached keys, where a block stops at the last key it sees, and
 * over every key; two heads to each of the keys' heads. */
static void
test_attention_blocks (void)
{
  const struct { gsize n_q, q_start; gboolean causal; } cases[] = {
    { 300, 40, TRUE }, { 300, 0, TRUE }, { 16, 7, TRUE }, { 200, 0, FALSE }, { 129, 0, FALSE },
  };
  const gsize n_heads = 4, n_kv_heads = 2, head_dim = 24;

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      gsize n_q = cases[c].n_q, n_kv = cases[c].q_start + n_q;
      gsize q_stride = n_heads * head_dim, kv_stride = n_kv_heads * head_dim;
      g_autofree float *q = g_new (float, n_q * q_stride), *out = g_new (float, n_q * q_stride);
      g_autofree float *k = g_new (float, n_kv * kv_stride), *v = g_new (float, n_kv * kv_stride);
      g_autofree double *expected = g_new (double, head_dim);
      GRand *rand = g_rand_new_with_seed (c);

      for (gsize e = 0; e < n_q * q_stride; e++)
        q[e] = (float) g_rand_double_range (rand, -2, 2);
      for (gsize e = 0; e < n_kv * kv_stride; e++)
        {
          k[e] = (float) g_rand_double_range (rand, -1, 1);
          v[e] = (float) g_rand_double_range (rand, -1, 1);
        }
      g_rand_free (rand);

      vila_cpu_backend.attention (out, q, k, v, n_q, n_kv, cases[c].q_start, n_heads, n_kv_heads, head_dim,
                                  cases[c].causal);
      for (gsize i = 0; i < n_q; i++)
        for (gsize h = 0; h < n_heads; h++)
          {
            gsize visible = cases[c].causal ? cases[c].q_start + i + 1 : n_kv, kv_head = h / (n_heads / n_kv_heads);

            reference_attend (expected, q + i * q_stride + h * head_dim, k + kv_head * head_dim,
                              v + kv_head * head_dim, visible, kv_stride, head_dim);
            for (gsize d = 0; d < head_dim; d++)
              if (fabs (out[i * q_stride + h * head_dim + d] - expected[d]) > 1e-5)
                g_error ("case %u, query %" G_GSIZE_FORMAT ", head %" G_GSIZE_FORMAT ": output %" G_GSIZE_FORMAT
                         " is %g, expected %g", c, i, h, d, out[i * q_stride + h * head_dim + d], expected[d]);
          }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  vila_test_require_backend ();

  if (argc < 2)
    g_error ("usage: %s LLM-DATA-DIR", argv[0]);
  data_dir = argv[1];

  g_test_add_func ("/llm/cpu/widen-rows", test_widen_rows);
  g_test_add_func ("/llm/cpu/gemm", test_gemm);
  g_test_add_func ("/llm/cpu/matmul-rows", test_matmul_rows);
  g_test_add_func ("/llm/cpu/decode-rows-split", test_decode_rows_split);
  g_test_add_func ("/llm/cpu/attend", test_attend);
  g_test_add_func ("/llm/cpu/attention-blocks", test_attention_blocks);
  g_test_add_func ("/llm/cpu/activations", test_activations);
  g_test_add_data_func ("/llm/cpu/llama", "llama", test_variant);
  g_test_add_data_func ("/llm/cpu/llama3-rope", "llama3-rope", test_variant);
  g_test_add_data_func ("/llm/cpu/qwen2", "qwen2", test_variant);
  g_test_add_data_func ("/llm/cpu/linear-rope", "linear-rope", test_variant);
  g_test_add_data_func ("/llm/cpu/dynamic-rope", "dynamic-rope", test_variant);
  if (vila_test_backend_kind () != VILA_BACKEND_CPU && vila_test_dtype () != VILA_DTYPE_F32)
    {
      g_test_add_data_func ("/llm/half/llama", "llama", test_half_decode);
      g_test_add_data_func ("/llm/half/llama3-rope", "llama3-rope", test_half_decode);
      g_test_add_data_func ("/llm/half/qwen2", "qwen2", test_half_decode);
    }

  return g_test_run ();
}
