/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The decoding products measured one by one, in every shape of the
 * product kernel (cuda-kernels.cu), at a model's sizes: what picks the
 * default shape, with figures rather than guesses. Each product reads
 * weights from a different copy each launch, so that the GPU's L2 (50-60
 * MB) does not hold them, and every shape's outputs are compared with
 * the first's (they sum in the same order, so they must be equal).
 */
#define G_LOG_DOMAIN "vila-cuda"

#include "config.h"

#include <string.h>

#include "backend.h"
#include "cuda-kernels.h"

#define STREAM cudaStreamPerThread
/* Weights read per product before they repeat: well past any L2. */
#define ROTATION_BYTES ((gsize) 768 << 20)
#define TIMED_LAUNCHES 200

typedef struct {
  const char *name;
  VcGemvMode  mode;
  guint       n_jobs;
  guint       rows[VC_GEMV_MAX_JOBS];
  guint       cols;
  gboolean    per_layer;   /* counted once per layer in a step, or once */
} Product;

static gboolean
cuda_ok (cudaError_t  err,
         const char  *what,
         GError     **error)
{
  if (err == cudaSuccess)
    return TRUE;
  g_set_error (error, VILA_ERROR, VILA_ERROR_NO_DEVICE, "CUDA %s failed: %s", what, cudaGetErrorString (err));
  return FALSE;
}

/* Random half-precision weights, small enough that sums stay finite. */
static guint16 *
random_halves (gsize n)
{
  guint16 *values = g_new (guint16, n);
  guint32 state = 12345;

  for (gsize i = 0; i < n; i++)
    {
      state = state * 1664525u + 1013904223u;
      /* sign, exponent 2^-7 .. 2^-4, random mantissa */
      values[i] = (guint16) (((state >> 16) & 0x8000) | ((8 + ((state >> 12) & 3)) << 10) | ((state >> 2) & 0x3ff));
    }
  return values;
}

/* Times @product in every kernel shape; adds a line to @report and each
 * shape's microseconds to @step_us (weighted as a decoding step has it). */
static gboolean
bench_product (const Product *product,
               guint          n_layers,
               double        *step_us,
               GString       *report,
               GError       **error)
{
  guint n_matrices = product->mode == VC_GEMV_SILU ? 2 : product->n_jobs;
  gsize weights = 0, copies;
  int n_variants = vc_gemv_variant_count ();
  g_autofree guint16 *host = NULL;
  g_autofree float *x_host = g_new (float, product->cols);
  g_autofree float *first = NULL, *other = NULL;
  guint8 *w = NULL;
  float *x = NULL, *out = NULL;
  gsize out_floats = 0, offsets[VC_GEMV_MAX_JOBS];
  cudaEvent_t start, stop;
  gboolean ok = FALSE;

  for (guint j = 0; j < n_matrices; j++)
    {
      offsets[j] = weights;
      weights += (gsize) product->rows[j] * product->cols * 2;
    }
  for (guint j = 0; j < product->n_jobs; j++)
    out_floats += product->rows[j];
  copies = MAX (2, (ROTATION_BYTES + weights - 1) / weights);
  host = random_halves (weights / 2);
  for (guint i = 0; i < product->cols; i++)
    x_host[i] = (float) ((i * 7919u) % 2001) / 1000.0f - 1.0f;
  first = g_new (float, out_floats);
  other = g_new (float, out_floats);

  cudaEventCreate (&start);
  cudaEventCreate (&stop);
  if (!cuda_ok (cudaMalloc ((void **) &w, weights * copies), "allocation", error) ||
      !cuda_ok (cudaMalloc ((void **) &x, product->cols * sizeof (float)), "allocation", error) ||
      !cuda_ok (cudaMalloc ((void **) &out, out_floats * sizeof (float)), "allocation", error))
    goto out;
  cudaMemcpy (w, host, weights, cudaMemcpyHostToDevice);
  for (gsize c = 1; c < copies; c++)
    cudaMemcpy (w + c * weights, w, weights, cudaMemcpyDeviceToDevice);
  cudaMemcpy (x, x_host, product->cols * sizeof (float), cudaMemcpyHostToDevice);

  g_string_append_printf (report, "%-10s %7.1f MB", product->name, weights / 1e6);
  for (int v = 0; v < n_variants; v++)
    {
      float ms = 0.0f;
      double us;

      vc_gemv_set_variant (v);
      for (int launch = -3; launch < TIMED_LAUNCHES; launch++)
        {
          const guint8 *base = w + (gsize) ((launch + 3) % copies) * weights;
          VcGemvJobs jobs = { .n_jobs = (int) product->n_jobs, .mode = product->mode };
          gsize out_offset = 0;

          if (launch == 0)
            cudaEventRecord (start, STREAM);
          for (guint j = 0; j < n_matrices; j++)
            {
              jobs.w[j] = base + offsets[j];
              jobs.rows[j] = (int) product->rows[j];
            }
          for (guint j = 0; j < product->n_jobs; j++)
            {
              jobs.out[j] = out + out_offset;
              out_offset += product->rows[j];
            }
          /* The residual mode adds into its output: start it from zero
           * each time so that every shape's result compares. */
          if (product->mode == VC_GEMV_ADD && launch == TIMED_LAUNCHES - 1)
            cudaMemsetAsync (out, 0, out_floats * sizeof (float), STREAM);
          if (!cuda_ok (vc_fused_gemv (&jobs, VC_F16, x, product->cols, STREAM), "product", error))
            goto out;
        }
      cudaEventRecord (stop, STREAM);
      if (!cuda_ok (cudaEventSynchronize (stop), "product", error))
        goto out;
      cudaEventElapsedTime (&ms, start, stop);
      us = ms * 1000.0 / TIMED_LAUNCHES;
      cudaMemcpy (v == 0 ? first : other, out, out_floats * sizeof (float), cudaMemcpyDeviceToHost);
      step_us[v] += us * (product->per_layer ? n_layers : 1);
      g_string_append_printf (report, " | %6.1f us %5.0f GB/s%s", us, weights / (us * 1e3),
                              v > 0 && memcmp (first, other, out_floats * sizeof (float)) != 0 ? " DIFFERENT" : "");
    }
  g_string_append_c (report, '\n');
  ok = TRUE;

out:
  cudaFree (w);
  cudaFree (x);
  cudaFree (out);
  cudaEventDestroy (start);
  cudaEventDestroy (stop);
  return ok;
}

gboolean
vila_cuda_bench_products (guint     hidden,
                          guint     intermediate,
                          guint     q_width,
                          guint     kv_width,
                          guint     vocab,
                          guint     n_layers,
                          GString  *report,
                          GError  **error)
{
  const Product products[] = {
    { "q/k/v", VC_GEMV_PLAIN, 3, { q_width, kv_width, kv_width }, hidden, TRUE },
    { "o (+res)", VC_GEMV_ADD, 1, { hidden }, q_width, TRUE },
    { "gate/up", VC_GEMV_SILU, 1, { intermediate, intermediate }, hidden, TRUE },
    { "down(+res)", VC_GEMV_ADD, 1, { hidden }, intermediate, TRUE },
    { "lm head", VC_GEMV_PLAIN, 1, { vocab }, hidden, FALSE },
  };
  int n_variants = vc_gemv_variant_count ();
  g_autofree double *step_us = g_new0 (double, n_variants);
  int best = 0;

  if (vila_cuda_backend_get (VILA_DTYPE_F16, error) == NULL)
    return FALSE;
  g_string_append_printf (report, "products of one decoding step, fp16 weights, %s\n%-21s", vila_cuda_device_name (),
                          "product");
  for (int v = 0; v < n_variants; v++)
    g_string_append_printf (report, " | shape %d              ", v);
  g_string_append_c (report, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (products); i++)
    if (!bench_product (&products[i], n_layers, step_us, report, error))
      return FALSE;
  g_string_append_printf (report, "%-21s", "a step's products");
  for (int v = 0; v < n_variants; v++)
    {
      g_string_append_printf (report, " | %8.0f us           ", step_us[v]);
      if (step_us[v] < step_us[best])
        best = v;
    }
  g_string_append_printf (report, "\nbest shape: %d\n", best);
  vc_gemv_set_variant (-1);
  return TRUE;
}
