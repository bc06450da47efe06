/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "vc-store.h"
#include "vc-worker.h"

G_BEGIN_DECLS

/* One conversation as the window drives it: a question (text and images)
 * goes into the store and to the worker, the answer streams back through
 * ::answer-changed and is saved while it streams (at least once a
 * second), then finishes complete, stopped or in error, with its timings.
 * A conversation opened again continues from what the store holds; a
 * regenerated or edited turn drops what followed it. Main thread only.
 *
 * Signals:
 *   ::answer-started (gint64 message): the question is stored and its
 *     answer's message made (after a question's images were read, which
 *     happens in a thread)
 *   ::answer-changed (gint64 message, const char *text_so_far) */
#define VC_TYPE_CHAT (vc_chat_get_type ())
G_DECLARE_FINAL_TYPE (VcChat, vc_chat, VC, CHAT, GObject)

VcChat   *vc_chat_new              (VcStore                  *store,
                                    VcWorker                 *worker,
                                    gint64                    conversation);
gint64    vc_chat_get_conversation (VcChat                   *self);

/* The system prompt of the conversation's answers from the next one on
 * (NULL or empty: the template's own); the conversation so far is put
 * under it again. */
void      vc_chat_set_system_prompt (VcChat                  *self,
                                     const char              *prompt);
/* Asks @text with @images (encoded image files as the user gave them,
 * GBytes; they go into the image store) where @offsets puts them (gint64
 * byte offsets into @text, one per image, -1 for before the text; NULL:
 * all before, as a chat puts attachments). The
 * conversation's title comes from its first question. Returns the id of
 * the answer's message through the finish call. */
void      vc_chat_send_async       (VcChat                   *self,
                                    const char               *text,
                                    GPtrArray                *images,
                                    GArray                   *offsets,
                                    const VilaSamplingParams *params,
                                    GCancellable             *cancellable,
                                    GAsyncReadyCallback       callback,
                                    gpointer                  user_data);
/* Asks @text (and @images, as for a send) in place of the question
 * @question: that question, its answer and everything after them are
 * deleted once the new images are known good, then the conversation
 * goes on from what is left. */
void      vc_chat_edit_async       (VcChat                   *self,
                                    gint64                    question,
                                    const char               *text,
                                    GPtrArray                *images,
                                    GArray                   *offsets,
                                    const VilaSamplingParams *params,
                                    GCancellable             *cancellable,
                                    GAsyncReadyCallback       callback,
                                    gpointer                  user_data);
/* Deletes @message; a question goes with its answer. Not while an answer
 * is being written. */
gboolean  vc_chat_delete_message   (VcChat                   *self,
                                    gint64                    message,
                                    GError                  **error);
/* Answers the question of @answer again (its message and every later one
 * are deleted first). */
void      vc_chat_regenerate_async (VcChat                   *self,
                                    gint64                    answer,
                                    const VilaSamplingParams *params,
                                    GCancellable             *cancellable,
                                    GAsyncReadyCallback       callback,
                                    gpointer                  user_data);
/* The answer's message id, or 0 and @error (the answer's message then
 * holds the error's text and the state VC_MESSAGE_ERROR). */
gint64    vc_chat_send_finish      (VcChat                   *self,
                                    GAsyncResult             *result,
                                    GError                  **error);

G_END_DECLS
