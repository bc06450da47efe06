/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Options that several vila-cli commands share. */
#include "config.h"

#include <glib/gi18n.h>

#include "vc-cli-commands.h"
#include "vila.h"

gboolean
vc_cli_parse_backend (const char      *command,
                      const char      *backend_name,
                      const char      *dtype_name,
                      VilaBackendKind *backend,
                      VilaDtype       *dtype)
{
  if (backend_name != NULL && !vila_backend_kind_from_string (backend_name, backend))
    {
      g_printerr (_("%s %s: unknown backend “%s” (auto, cpu, cuda)\n"), CLI_BINARY, command, backend_name);
      return FALSE;
    }
  if (dtype_name != NULL && !vila_dtype_from_string (dtype_name, dtype))
    {
      g_printerr (_("%s %s: unknown weight type “%s” (fp16, bf16, fp32)\n"), CLI_BINARY, command, dtype_name);
      return FALSE;
    }
  return TRUE;
}
