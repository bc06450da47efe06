/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The application's settings (GSettings, so they hold for the next start
 * and for every window): the model folder (chosen through @parent, which
 * loads it to check it), the compute backend, the sampling of answers and
 * the system prompt. */
#define VC_TYPE_PREFERENCES_WINDOW (vc_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (VcPreferencesWindow, vc_preferences_window, VC, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget *vc_preferences_window_new (GtkWindow *parent);

G_END_DECLS
