/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>

#include "vila.h"

G_BEGIN_DECLS

/* Sets a VILA_ERROR whose message starts with the file it is about:
 * "FILE: what is wrong". Returns FALSE, for "return vila_file_error (...)". */
gboolean vila_file_error (GError    **error,
                          VilaError   code,
                          const char *file,
                          const char *format,
                          ...) G_GNUC_PRINTF (4, 5);

#if VILA_HAVE_CUDA
/* engine/cuda/vila-cuda-probe.cu: TRUE when a GPU can run our kernels;
 * otherwise fills @reason with one line for the user. Plain C types, as the
 * CUDA side is compiled by nvcc without GLib. */
int vila_cuda_probe (char   *reason,
                     size_t  reason_size);
#endif

G_END_DECLS
