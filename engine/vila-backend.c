/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vila"

#include "config.h"

#include <string.h>

#include "vila.h"
#include "vila-private.h"

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

gboolean
vila_backend_kind_from_string (const char      *name,
                               VilaBackendKind *out_kind)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (backend_names); i++)
    {
      if (g_ascii_strcasecmp (name, backend_names[i]) == 0)
        {
          if (out_kind != NULL)
            *out_kind = i;
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
cuda_is_available (char **out_reason)
{
#if VILA_HAVE_CUDA
  char reason[256] = "";

  if (vila_cuda_probe (reason, sizeof reason))
    return TRUE;
  if (out_reason != NULL)
    *out_reason = g_strdup (reason);
  return FALSE;
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
