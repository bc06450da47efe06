/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "vila.h"

G_BEGIN_DECLS

/* Loads a model off the main thread and hands it back in the caller's main
 * context. Cancelling @cancellable reaches the engine's cancel flag, so a
 * load stops between stages instead of running to the end. */
void       vc_model_loader_load_async  (const char             *path,
                                        const VilaLoadOptions  *options,
                                        GCancellable           *cancellable,
                                        GAsyncReadyCallback     callback,
                                        gpointer                user_data);
VilaModel *vc_model_loader_load_finish (GAsyncResult           *result,
                                        GError                **error);

/* The name to show for a model folder: its base name, as on the Hub. */
char      *vc_model_loader_display_name (const char *path);

G_END_DECLS
