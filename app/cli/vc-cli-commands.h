/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses of vila-cli, documented in its --help. */
enum {
  VC_CLI_EXIT_OK = 0,
  VC_CLI_EXIT_ERROR = 1,        /* the command failed: bad input, unreadable model */
  VC_CLI_EXIT_USAGE = 2,        /* wrong usage, or a command not built yet */
};

/* Each command gets argv from its own name on. */
int vc_cli_tokenize (int    argc,
                     char **argv);
int vc_cli_bench    (int    argc,
                     char **argv);
int vc_cli_info     (int    argc,
                     char **argv);
int vc_cli_generate (int    argc,
                     char **argv);

#include "vila.h"

/* --backend and --dtype: FALSE (after a message) when a name is unknown;
 * a NULL name leaves the value as it is. */
gboolean vc_cli_parse_backend (const char      *command,
                               const char      *backend_name,
                               const char      *dtype_name,
                               VilaBackendKind *backend,
                               VilaDtype       *dtype);

G_END_DECLS
