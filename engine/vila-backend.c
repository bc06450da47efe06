/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vila"

#include "config.h"

#include <string.h>

#include "vila.h"
#include "vila-private.h"
#include "backend.h"

static const char * const backend_names[] = {
  [VILA_BACKEND_AUTO] = "auto",
  [VILA_BACKEND_CPU] = "cpu",
  [VILA_BACKEND_CUDA] = "cuda",
};

const char *
vila_backend_kind_to_string (VilaBackendKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (backend_names), NULL);

  return backend_names[kind];
}

/* The index of @name (any case) in @names, or -1. */
static int
name_index (const char * const *names,
            guint               n_names,
            const char         *name)
{
  for (guint i = 0; i < n_names; i++)
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      return i;
  return -1;
}

gboolean
vila_backend_kind_from_string (const char      *name,
                               VilaBackendKind *out_kind)
{
  int i;

  g_return_val_if_fail (name != NULL, FALSE);

  if ((i = name_index (backend_names, G_N_ELEMENTS (backend_names), name)) < 0)
    return FALSE;
  if (out_kind != NULL)
    *out_kind = i;
  return TRUE;
}

static const char * const dtype_names[] = {
  [VILA_DTYPE_F16] = "fp16",
  [VILA_DTYPE_BF16] = "bf16",
  [VILA_DTYPE_F32] = "fp32",
};

const char *
vila_dtype_to_string (VilaDtype dtype)
{
  g_return_val_if_fail (dtype < G_N_ELEMENTS (dtype_names), NULL);

  return dtype_names[dtype];
}

gboolean
vila_dtype_from_string (const char *name,
                        VilaDtype  *out_dtype)
{
  int i;

  g_return_val_if_fail (name != NULL, FALSE);

  if ((i = name_index (dtype_names, G_N_ELEMENTS (dtype_names), name)) < 0)
    return FALSE;
  if (out_dtype != NULL)
    *out_dtype = i;
  return TRUE;
}

static gboolean
cuda_is_available (char **out_reason)
{
#if VILA_HAVE_CUDA
  char reason[256] = "";

  g_autoptr(GError) error = NULL;

  if (!vila_cuda_probe (reason, sizeof reason))
    {
      if (out_reason != NULL)
        *out_reason = g_strdup (reason);
      return FALSE;
    }
  /* cuBLAS is opened at run time: a driver without it is no use either. */
  if (vila_cuda_backend_get (VILA_DTYPE_F16, &error) == NULL)
    {
      if (out_reason != NULL)
        *out_reason = g_strdup (error->message);
      return FALSE;
    }
  return TRUE;
#else
  if (out_reason != NULL)
    *out_reason = g_strdup ("this build of VILA Chat has no CUDA backend (built without nvcc)");
  return FALSE;
#endif
}

gboolean
vila_backend_is_available (VilaBackendKind   kind,
                           char            **out_reason)
{
  if (out_reason != NULL)
    *out_reason = NULL;

  switch (kind)
    {
    case VILA_BACKEND_AUTO:
    case VILA_BACKEND_CPU:
      return TRUE;

    case VILA_BACKEND_CUDA:
      return cuda_is_available (out_reason);

    default:
      if (out_reason != NULL)
        *out_reason = g_strdup_printf ("unknown backend %d", (int) kind);
      return FALSE;
    }
}

VilaBackendKind
vila_backend_resolve (VilaBackendKind   requested,
                      char            **out_note)
{
  g_autofree char *reason = NULL;

  if (out_note != NULL)
    *out_note = NULL;

  if (requested != VILA_BACKEND_AUTO)
    return requested;

  if (cuda_is_available (&reason))
    return VILA_BACKEND_CUDA;

  if (out_note != NULL)
    *out_note = g_steal_pointer (&reason);

  return VILA_BACKEND_CPU;
}
