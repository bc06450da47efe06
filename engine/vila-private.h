/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>

#include "vila.h"

G_BEGIN_DECLS

#if VILA_HAVE_CUDA
/* engine/cuda/vila-cuda-probe.cu: TRUE when a GPU can run our kernels;
 * otherwise fills @reason with one line for the user. Plain C types, as the
 * CUDA side is compiled by nvcc without GLib. */
int vila_cuda_probe (char   *reason,
                     size_t  reason_size);
#endif

G_END_DECLS
