/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "backend.h"

G_BEGIN_DECLS

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

/* Softmax of @row in place, the maximum taken out first. */
void vila_cpu_softmax (float *row,
                       gsize  n);

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

/* This thread's scratch buffer of at least @n_floats, kept for its next
 * call (the pool's threads live as long as the process): a product's
 * blocks of widened weights are megabytes, and fresh ones cost a page
 * fault every 4 KB. Valid until this thread asks again. */
float *vila_cpu_scratch (gsize n_floats);

/* Runs @func (@data, first, last) over [0, @n) split across the cores. */
typedef void (*VilaRangeFunc) (gpointer data,
                               gsize    first,
                               gsize    last);

void vila_cpu_parallel_for (gsize          n,
                            gsize          min_chunk,
                            VilaRangeFunc  func,
                            gpointer       data);

/* The number of threads parallel_for uses. */
guint vila_cpu_n_threads (void);

G_END_DECLS
