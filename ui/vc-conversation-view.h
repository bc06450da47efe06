/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "vc-composer.h"
#include "vc-store.h"
#include "vc-worker.h"

G_BEGIN_DECLS

/* A conversation's transcript and its composer: the stored messages, the
 * answer streaming in (the view follows it while it is scrolled to the
 * bottom), the composer below, and Stop (or Esc) while an answer is
 * written.
 *
 * Signals:
 *   ::conversation-changed (gint64 conversation): its title or order may
 *   have changed (a question was sent)
 *   ::error (const char *message): something the user should be told (an
 *   image that could not be attached) */
#define VC_TYPE_CONVERSATION_VIEW (vc_conversation_view_get_type ())
G_DECLARE_FINAL_TYPE (VcConversationView, vc_conversation_view, VC, CONVERSATION_VIEW, GtkBox)

/* Shows @conversation of @store, answered by @worker. */
void     vc_conversation_view_show    (VcConversationView *self,
                                       VcStore            *store,
                                       VcWorker           *worker,
                                       gint64              conversation);
/* Takes up changed settings of the conversation shown (its own system
 * prompt, or the application's). */
void     vc_conversation_view_refresh_settings (VcConversationView *self);
/* Sends what the composer holds (as the Send button does). */
void     vc_conversation_view_send    (VcConversationView *self);
/* Stops the answer being written, keeping what it has. */
void     vc_conversation_view_stop    (VcConversationView *self);
gboolean vc_conversation_view_is_busy (VcConversationView *self);
/* The messages shown (for tests and accessibility checks). */
guint    vc_conversation_view_get_n_messages (VcConversationView *self);
/* Whether the transcript is still being sent to its end, frame by frame. */
gboolean vc_conversation_view_is_following (VcConversationView *self);
VcComposer *vc_conversation_view_get_composer (VcConversationView *self);

G_END_DECLS
