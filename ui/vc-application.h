/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "vc-worker.h"

G_BEGIN_DECLS

#define VC_TYPE_APPLICATION (vc_application_get_type ())

G_DECLARE_FINAL_TYPE (VcApplication, vc_application, VC, APPLICATION, AdwApplication)

VcApplication *vc_application_new        (void);
/* The engine's thread, one for the application (made on first use). */
VcWorker      *vc_application_get_worker (VcApplication *self);
/* The chat database in the user data folder (vila-chat/chats.db), opened
 * on first use; NULL and @error when it cannot be used (it is then left
 * as it is). */
VcStore       *vc_application_get_store  (VcApplication  *self,
                                          GError        **error);
/* Moves the chat database that could not be opened aside (kept, under a
 * name returned in @kept) and opens a fresh one in its place. */
VcStore       *vc_application_start_fresh_store (VcApplication  *self,
                                                 char          **kept,
                                                 GError        **error);

G_END_DECLS
