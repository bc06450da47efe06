/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Sits between a GtkScrolledWindow and a scrollable list, passing the
 * scrolling through, so that the list is never asked its height without a
 * width (vc-scrollable-bin.c says why). */
#define VC_TYPE_SCROLLABLE_BIN (vc_scrollable_bin_get_type ())
G_DECLARE_FINAL_TYPE (VcScrollableBin, vc_scrollable_bin, VC, SCROLLABLE_BIN, GtkWidget)

GtkWidget *vc_scrollable_bin_new       (void);
void       vc_scrollable_bin_set_child (VcScrollableBin *self,
                                        GtkWidget       *child);
GtkWidget *vc_scrollable_bin_get_child (VcScrollableBin *self);
/* While set, each allocation ends with the list scrolled to its end;
 * unset by itself when the user scrolls up. */
void       vc_scrollable_bin_set_at_end (VcScrollableBin *self,
                                         gboolean         keep_at_end);
gboolean   vc_scrollable_bin_get_at_end (VcScrollableBin *self);

G_END_DECLS
