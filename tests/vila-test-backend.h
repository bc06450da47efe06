/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Running one test program on another backend: VILA_TEST_BACKEND names it
 * ("cpu", the default, or "cuda") and VILA_TEST_DTYPE the weights' type on
 * a GPU ("fp32", the default, "fp16", "bf16"). meson.build registers the
 * CUDA variants; without a usable GPU they report "skipped", never
 * "passed".
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include "vila.h"

static inline VilaBackendKind
vila_test_backend_kind (void)
{
  VilaBackendKind kind = VILA_BACKEND_CPU;
  const char *name = g_getenv ("VILA_TEST_BACKEND");

  if (name != NULL && !vila_backend_kind_from_string (name, &kind))
    g_error ("VILA_TEST_BACKEND: unknown backend “%s”", name);
  return kind;
}

static inline VilaDtype
vila_test_dtype (void)
{
  VilaDtype dtype = VILA_DTYPE_F32;
  const char *name = g_getenv ("VILA_TEST_DTYPE");

  if (name != NULL && !vila_dtype_from_string (name, &dtype))
    g_error ("VILA_TEST_DTYPE: unknown type “%s”", name);
  return dtype;
}

/* Call after g_test_init(): ends the program as a skipped TAP test when
 * the backend cannot run here. */
static inline void
vila_test_require_backend (void)
{
  g_autofree char *reason = NULL;

  if (!vila_backend_is_available (vila_test_backend_kind (), &reason))
    {
      printf ("1..0 # SKIP %s backend: %s\n", vila_backend_kind_to_string (vila_test_backend_kind ()), reason);
      exit (0);
    }
}

static inline void
vila_test_load_options (VilaLoadOptions *options)
{
  vila_load_options_init (options);
  options->backend = vila_test_backend_kind ();
  options->dtype = vila_test_dtype ();
}

/* Relative error allowed against the reference: float32 arithmetic agrees
 * to rounding; half-precision weights and inputs to about 1e-2. */
static inline double
vila_test_tolerance (void)
{
  if (vila_test_backend_kind () == VILA_BACKEND_CPU || vila_test_dtype () == VILA_DTYPE_F32)
    return 1e-4;
  return 2e-2;
}

#ifdef VILA_TEST_ENGINE_OPS
#include "backend.h"

/* The operations of the backend under test. */
static inline const VilaBackendOps *
vila_test_backend_ops (void)
{
#if VILA_HAVE_CUDA
  if (vila_test_backend_kind () == VILA_BACKEND_CUDA)
    {
      g_autoptr(GError) error = NULL;
      const VilaBackendOps *ops = vila_cuda_backend_get (vila_test_dtype (), &error);

      g_assert_no_error (error);
      return ops;
    }
#endif
  return &vila_cpu_backend;
}
#endif
