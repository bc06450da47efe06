/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The CBLAS constants we use, as the CBLAS standard numbers them. */
enum {
  VILA_BLAS_ROW_MAJOR = 101,
  VILA_BLAS_NO_TRANS = 111,
  VILA_BLAS_TRANS = 112,
};

typedef void (*VilaSgemmFunc) (int          order,
                               int          trans_a,
                               int          trans_b,
                               int          m,
                               int          n,
                               int          k,
                               float        alpha,
                               const float *a,
                               int          lda,
                               const float *b,
                               int          ldb,
                               float        beta,
                               float       *c,
                               int          ldc);

/* OpenBLAS's cblas_sgemm, opened on first use, single-threaded (it runs
 * inside the engine's own pool); NULL where the system has no OpenBLAS
 * (or VILA_BLAS=none), and the engine then uses its own kernels. */
VilaSgemmFunc vila_blas_sgemm (void);

G_END_DECLS
