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
