/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define VC_TYPE_WINDOW (vc_window_get_type ())

G_DECLARE_FINAL_TYPE (VcWindow, vc_window, VC, WINDOW, AdwApplicationWindow)

/* The page the window shows: "welcome" (no model), "loading" or "ready". */
const char *vc_window_get_page (VcWindow *self);

G_END_DECLS
