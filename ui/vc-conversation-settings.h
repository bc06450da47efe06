/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "vc-store.h"

G_BEGIN_DECLS

/* One conversation's own settings, saved in the store as they change: its
 * title, and a system prompt and sampling of its own (switched off, it
 * follows the preferences).
 *
 * Signals:
 *   ::changed (gint64 conversation): something was saved
 *   ::error (const char *message): something could not be saved */
#define VC_TYPE_CONVERSATION_SETTINGS (vc_conversation_settings_get_type ())
G_DECLARE_FINAL_TYPE (VcConversationSettings, vc_conversation_settings, VC, CONVERSATION_SETTINGS,
                      AdwPreferencesWindow)

/* NULL and @error when @conversation cannot be read. */
GtkWidget *vc_conversation_settings_new (GtkWindow  *parent,
                                         VcStore    *store,
                                         gint64      conversation,
                                         GError    **error);

G_END_DECLS
