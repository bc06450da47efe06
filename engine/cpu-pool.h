/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

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
