/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "vc-store.h"
#include "vc-worker.h"

G_BEGIN_DECLS

/* The conversations pane: the store's conversations newest first, a
 * search over titles and messages, and deletion that can be undone until
 * its toast goes (or the pane is disposed).
 *
 * Signals:
 *   ::conversation-activated (gint64 conversation, const char *title)
 *   ::toast (AdwToast *toast): for the window's overlay */
#define VC_TYPE_SIDEBAR (vc_sidebar_get_type ())
G_DECLARE_FINAL_TYPE (VcSidebar, vc_sidebar, VC, SIDEBAR, GtkBox)

/* Shows the conversations of @store (@worker forgets deleted ones);
 * FALSE and @error when the store cannot be read. */
gboolean vc_sidebar_set_store        (VcSidebar  *self,
                                      VcStore    *store,
                                      VcWorker   *worker,
                                      GError    **error);
/* A new conversation, shown first (the search cleared) and selected. */
gint64   vc_sidebar_new_conversation (VcSidebar  *self,
                                      GError    **error);
void     vc_sidebar_select           (VcSidebar  *self,
                                      gint64      conversation);
/* Reads the conversations again (after one changed), keeping @conversation
 * selected. */
void     vc_sidebar_reload           (VcSidebar  *self,
                                      gint64      conversation);
/* Opens the search bar and puts the cursor in it. */
void     vc_sidebar_start_search     (VcSidebar  *self);
/* Hides @conversation and offers to undo (a toast); it is deleted when
 * the toast goes. */
void     vc_sidebar_delete           (VcSidebar  *self,
                                      gint64      conversation);
void     vc_sidebar_undo_delete      (VcSidebar  *self,
                                      gint64      conversation);

G_END_DECLS
