/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "backend.h"
#include "cpu-pool.h"

G_BEGIN_DECLS

/* Whether the CPU has AVX2, FMA and F16C (asked once; VILA_CPU_PORTABLE
 * in the environment says no, so the tests can run the portable loops). */
gboolean vila_cpu_has_avx2 (void);

/* out[i][j] = x[i] · w[j] (+ b[j]) for rows @first..@last of @w, widening
 * each weight row once and, where the CPU has AVX2/FMA/F16C (checked at
 * run time), with vector code; a portable loop otherwise. */
void vila_cpu_matmul_rows (float            *out,
                           const float      *x,
                           gsize             n,
                           const VilaMatrix *w,
                           const float      *bias,
                           gsize             first,
                           gsize             last);

/* Rows @first .. @first + @count of @w widened to float32 into @out
 * (@count × cols floats): vector code for half and bfloat16 weights where
 * the CPU has AVX2/F16C, vila_matrix_row() otherwise. Prefill widens
 * every weight it multiplies this way. */
void vila_cpu_widen_rows (const VilaMatrix *w,
                          gsize             first,
                          gsize             count,
                          float            *out);

/* out[i][first + j] += bias[first + j] for @n output rows @stride floats
 * apart and @count columns from @first: a product's bias, after it. */
void vila_cpu_add_bias (float       *out,
                        gsize        n,
                        gsize        stride,
                        const float *bias,
                        gsize        first,
                        gsize        count);

/* Softmax of @row in place, the maximum taken out first (cpu-activations.c,
 * as those below: e^x eight at a time where the CPU has AVX2). */
void vila_cpu_softmax (float *row,
                       gsize  n);

/* x = gelu_pytorch_tanh(x) = 0.5x(1 + tanh(sqrt(2/π)(x + 0.044715x³))) */
void vila_cpu_gelu_tanh (float *x,
                         gsize  n);

/* x = 0.5x(1 + erf(x/√2)), the exact GELU */
void vila_cpu_gelu_erf (float *x,
                        gsize  n);

/* x = x·sigmoid(1.702x), CLIP's quick_gelu */
void vila_cpu_quick_gelu (float *x,
                          gsize  n);

/* gate = silu(gate)·up */
void vila_cpu_silu_mul (float       *gate,
                        const float *up,
                        gsize        n);

/* out = softmax(q·kᵀ × @scale)·v for one query of one head over @visible
 * positions whose keys and values lie @stride floats apart; @scores holds
 * @visible floats of scratch. */
void vila_cpu_attend (float       *out,
                      const float *q,
                      const float *k,
                      const float *v,
                      gsize        visible,
                      gsize        stride,
                      gsize        head_dim,
                      float        scale,
                      float       *scores);

/* The sum of @n floats: one pass of plain loads, for measuring how fast
 * memory reads. */
double vila_cpu_sum (const float *x,
                     gsize        n);

G_END_DECLS
