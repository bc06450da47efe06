/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Loads that widen eight weights of the checkpoint's dtype to float32,
 * shared by the decoding kernels (cpu-kernels.c) and the packing of the
 * matrix product (cpu-gemm.c). Only for functions compiled for AVX2, FMA
 * and F16C, which callers choose at run time. */

#if defined(__x86_64__)
#include <immintrin.h>

#include "backend.h"

/* bf16 is the top half of a float32. */
__attribute__ ((target ("avx2,fma,f16c")))
static inline __m256
vila_simd_widen_bf16 (const guint8 *p)
{
  return _mm256_castsi256_ps (_mm256_slli_epi32 (_mm256_cvtepu16_epi32 (_mm_loadu_si128 ((const void *) p)), 16));
}

__attribute__ ((target ("avx2,fma,f16c")))
static inline __m256
vila_simd_load8 (const guint8   *p,
                 VilaTensorType  type)
{
  switch (type)
    {
    case VILA_TENSOR_BF16:
      return vila_simd_widen_bf16 (p);
    case VILA_TENSOR_F16:
      return _mm256_cvtph_ps (_mm_loadu_si128 ((const void *) p));
    case VILA_TENSOR_F32:
    default:
      return _mm256_loadu_ps ((const void *) p);
    }
}
#endif
