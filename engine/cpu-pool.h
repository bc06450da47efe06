/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Two scratch buffers per thread: one for what a job of the pool works
 * on, one for what the calling thread prepares for a whole job (it also
 * takes part in the job, so the two must differ). */
typedef enum {
  VILA_CPU_SCRATCH_WORK,
  VILA_CPU_SCRATCH_SHARED,
} VilaCpuScratch;

/* This thread's scratch buffer @slot of at least @n_floats, kept for its
 * next call (the pool's threads live as long as the process): a product's
 * packed blocks are megabytes, and fresh ones cost a page fault every
 * 4 KB. Valid until this thread asks for the same slot again. */
float *vila_cpu_scratch (VilaCpuScratch slot,
                         gsize          n_floats);

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
