/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "vc-store.h"
#include "vc-worker.h"

G_BEGIN_DECLS

/* A conversation's transcript and its composer: the stored messages, the
 * answer streaming in (the view follows it while it is scrolled to the
 * bottom), a text box where Enter sends and Shift+Enter starts a new
 * line, and Stop (or Esc) while an answer is written.
 *
 * Signals:
 *   ::conversation-changed (gint64 conversation): its title or order may
 *   have changed (a question was sent) */
#define VC_TYPE_CONVERSATION_VIEW (vc_conversation_view_get_type ())
G_DECLARE_FINAL_TYPE (VcConversationView, vc_conversation_view, VC, CONVERSATION_VIEW, GtkBox)

/* Shows @conversation of @store, answered by @worker. */
void     vc_conversation_view_show    (VcConversationView *self,
                                       VcStore            *store,
                                       VcWorker           *worker,
                                       gint64              conversation);
/* Sends what the composer holds (as the Send button does). */
void     vc_conversation_view_send    (VcConversationView *self);
/* Stops the answer being written, keeping what it has. */
void     vc_conversation_view_stop    (VcConversationView *self);
gboolean vc_conversation_view_is_busy (VcConversationView *self);
/* The messages shown (for tests and accessibility checks). */
guint    vc_conversation_view_get_n_messages (VcConversationView *self);
void     vc_conversation_view_set_text (VcConversationView *self,
                                        const char         *text);
/* Attaches the image in @file (checked now: an error names the file); it
 * goes before the text when sent. */
gboolean vc_conversation_view_attach_file    (VcConversationView *self,
                                              GFile              *file,
                                              GError            **error);
/* Attaches an image that came as pixels (dragged from a browser, pasted). */
void     vc_conversation_view_attach_texture (VcConversationView *self,
                                              GdkTexture         *texture);
guint    vc_conversation_view_get_n_attachments (VcConversationView *self);

G_END_DECLS
