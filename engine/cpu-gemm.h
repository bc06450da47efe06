/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "backend.h"

G_BEGIN_DECLS

/* Whether vila_cpu_gemm() runs here: AVX2, FMA and F16C, and not turned
 * off with VILA_CPU_GEMM=blas. */
gboolean vila_cpu_gemm_available (void);

/* out[i][j] = x[i] · w[j] (+ bias[j]) for all @n inputs and all rows of
 * @w, across the pool's threads, the weights packed from their dtype.
 * FALSE (and nothing written) where vila_cpu_gemm_available() is not. */
gboolean vila_cpu_gemm (float            *out,
                        const float      *x,
                        gsize             n,
                        const VilaMatrix *w,
                        const float      *bias);

G_END_DECLS
