/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Gives @widget the tooltip @text, as gtk_widget_set_tooltip_text() does,
 * but without asking the display where the pointer is right away: GTK 4.8
 * does that on every set, which on X11 is a round trip to the server per
 * widget (measured by tools/ui-bench: seconds of stalls when transcript
 * rows are bound while the engine keeps the CPUs busy). The text is handed
 * out on ::query-tooltip, when the pointer really is there. */
void vc_widget_set_tooltip (GtkWidget  *widget,
                            const char *text);

G_END_DECLS
