/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The element-wise functions around e^x: the activations of the vision
 * towers and the language models' MLP, and softmax. With libm's tanhf and
 * expf one at a time, the GELU of SigLIP's MLP (729 × 4304 values a layer)
 * took about a quarter of an image's encoding on the 2-core VM, on one
 * thread; here e^x is computed eight at a time where the CPU has AVX2 and
 * FMA, and the backend shares the values out across its threads.
 *
 * e^x as in the Cephes library's expf (public domain, S. L. Moshier):
 * x = n ln 2 + r with |r| ≤ ln 2 / 2, ln 2 in two parts so that r is
 * exact, e^r by a polynomial of degree 6 (about 1 ulp), and 2^n put
 * straight into the float's exponent.
 */
#define G_LOG_DOMAIN "vila"

#include "config.h"

#include <math.h>

#include "cpu-kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

/* Where e^x is still a normal float and 2^n its exponent: n = round(x /
 * ln 2) stays within -126 .. 127. NaN passes through (max and min return
 * their second operand when either is NaN). */
#define EXP_LOWEST  -87.0f
#define EXP_HIGHEST  88.0f

__attribute__ ((target ("avx2,fma")))
static inline __m256
exp_avx2 (__m256 x)
{
  __m256 n, r, p;
  __m256i exponent;

  x = _mm256_min_ps (_mm256_set1_ps (EXP_HIGHEST), _mm256_max_ps (_mm256_set1_ps (EXP_LOWEST), x));
  n = _mm256_round_ps (_mm256_mul_ps (x, _mm256_set1_ps (1.44269504088896341f)),
                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  r = _mm256_fnmadd_ps (n, _mm256_set1_ps (0.693359375f), x);
  r = _mm256_fnmadd_ps (n, _mm256_set1_ps (-2.12194440e-4f), r);
  p = _mm256_set1_ps (1.9875691500e-4f);
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (1.3981999507e-3f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (8.3334519073e-3f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (4.1665795894e-2f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (1.6666665459e-1f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (5.0000001201e-1f));
  p = _mm256_fmadd_ps (p, _mm256_mul_ps (r, r), _mm256_add_ps (r, _mm256_set1_ps (1.0f)));
  exponent = _mm256_slli_epi32 (_mm256_add_epi32 (_mm256_cvtps_epi32 (n), _mm256_set1_epi32 (127)), 23);
  return _mm256_mul_ps (p, _mm256_castsi256_ps (exponent));
}

/* x / (1 + e^(-a·x)), eight at a time: x·sigmoid(a·x). */
__attribute__ ((target ("avx2,fma")))
static inline __m256
times_sigmoid_avx2 (__m256 x,
                    __m256 scaled)
{
  return _mm256_div_ps (x, _mm256_add_ps (_mm256_set1_ps (1.0f), exp_avx2 (_mm256_sub_ps (_mm256_setzero_ps (), scaled))));
}

/* gelu_pytorch_tanh as x·sigmoid(2u), u = sqrt(2/π)(x + 0.044715x³):
 * 0.5(1 + tanh u) is sigmoid(2u), without the loss of 1 + tanh u near -1
 * (at x = -5 that form is 1.5% off in float; both paths use this one). */
__attribute__ ((target ("avx2,fma")))
static gsize
gelu_tanh_avx2 (float *x,
                gsize  n)
{
  const __m256 k2 = _mm256_set1_ps (2.0f * 0.7978845608028654f), c = _mm256_set1_ps (0.044715f);
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    {
      __m256 v = _mm256_loadu_ps (x + i);
      __m256 u2 = _mm256_mul_ps (k2, _mm256_fmadd_ps (_mm256_mul_ps (c, v), _mm256_mul_ps (v, v), v));

      _mm256_storeu_ps (x + i, times_sigmoid_avx2 (v, u2));
    }
  return i;
}

__attribute__ ((target ("avx2,fma")))
static gsize
quick_gelu_avx2 (float *x,
                 gsize  n)
{
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    {
      __m256 v = _mm256_loadu_ps (x + i);

      _mm256_storeu_ps (x + i, times_sigmoid_avx2 (v, _mm256_mul_ps (_mm256_set1_ps (1.702f), v)));
    }
  return i;
}

__attribute__ ((target ("avx2,fma")))
static gsize
silu_mul_avx2 (float       *gate,
               const float *up,
               gsize        n)
{
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    {
      __m256 g = _mm256_loadu_ps (gate + i);

      _mm256_storeu_ps (gate + i, _mm256_mul_ps (times_sigmoid_avx2 (g, g), _mm256_loadu_ps (up + i)));
    }
  return i;
}

/* The exponentials of a softmax row, the maximum taken out, and their
 * sum; the values not a multiple of eight are left to the caller. */
__attribute__ ((target ("avx2,fma")))
static gsize
softmax_exp_avx2 (float  *row,
                  gsize   n,
                  float   max,
                  float  *total)
{
  __m256 sum = _mm256_setzero_ps (), top = _mm256_set1_ps (max);
  float lanes[8];
  gsize t = 0;

  for (; t + 8 <= n; t += 8)
    {
      __m256 e = exp_avx2 (_mm256_sub_ps (_mm256_loadu_ps (row + t), top));

      _mm256_storeu_ps (row + t, e);
      sum = _mm256_add_ps (sum, e);
    }
  _mm256_storeu_ps (lanes, sum);
  *total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  return t;
}
#endif

/* Each function does what the vector code left: all of it without AVX2. */

void
vila_cpu_gelu_tanh (float *x,
                    gsize  n)
{
  /* sqrt(2 / pi), as gelu_pytorch_tanh */
  const float k = 0.7978845608028654f;
  gsize i = 0;

#if defined(__x86_64__)
  if (vila_cpu_has_avx2 ())
    i = gelu_tanh_avx2 (x, n);
#endif
  for (; i < n; i++)
    x[i] = x[i] / (1.0f + expf (-2.0f * k * (x[i] + 0.044715f * x[i] * x[i] * x[i])));
}

/* No vector erf: libm's, one at a time (the projectors' GELU: a few
 * hundred tokens of one layer, against the towers' dozens). */
void
vila_cpu_gelu_erf (float *x,
                   gsize  n)
{
  for (gsize i = 0; i < n; i++)
    x[i] = 0.5f * x[i] * (1.0f + erff (x[i] * (float) M_SQRT1_2));
}

void
vila_cpu_quick_gelu (float *x,
                     gsize  n)
{
  gsize i = 0;

#if defined(__x86_64__)
  if (vila_cpu_has_avx2 ())
    i = quick_gelu_avx2 (x, n);
#endif
  for (; i < n; i++)
    x[i] = x[i] / (1.0f + expf (-1.702f * x[i]));
}

void
vila_cpu_silu_mul (float       *gate,
                   const float *up,
                   gsize        n)
{
  gsize i = 0;

#if defined(__x86_64__)
  if (vila_cpu_has_avx2 ())
    i = silu_mul_avx2 (gate, up, n);
#endif
  for (; i < n; i++)
    gate[i] = gate[i] / (1.0f + expf (-gate[i])) * up[i];
}

void
vila_cpu_softmax (float *row,
                  gsize  n)
{
  float max = -INFINITY, total = 0.0f;
  gsize t = 0;

  for (gsize i = 0; i < n; i++)
    max = MAX (max, row[i]);
#if defined(__x86_64__)
  if (vila_cpu_has_avx2 ())
    t = softmax_exp_avx2 (row, n, max, &total);
#endif
  for (; t < n; t++)
    total += (row[t] = expf (row[t] - max));
  for (t = 0; t < n; t++)
    row[t] /= total;
}
