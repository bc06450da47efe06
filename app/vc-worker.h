/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "vc-image-loader.h"
#include "vc-store.h"
#include "vila.h"

G_BEGIN_DECLS

/* The one thread that owns the engine. Requests (load, generate, forget
 * a conversation) run there in the order they were made; results and
 * signals come back in the main context the worker was made in, so the
 * UI never waits on the engine. Generated text arrives through
 * ::tokens, coalesced to at most one emission per frame (16 ms), and all
 * of it before vc_worker_generate_finish() returns; likewise the latest
 * ::load-progress before vc_worker_load_finish() returns.
 *
 * Signals:
 *   ::load-progress (double fraction, const char *stage)
 *   ::tokens (gint64 conversation, const char *text) */
#define VC_TYPE_WORKER (vc_worker_get_type ())
G_DECLARE_FINAL_TYPE (VcWorker, vc_worker, VC, WORKER, GObject)

VcWorker  *vc_worker_new              (void);

/* Loads @path, replacing the model (and forgetting every conversation's
 * cache). Cancelling @cancellable stops the load between stages. */
void       vc_worker_load_async       (VcWorker               *self,
                                       const char             *path,
                                       const VilaLoadOptions  *options,
                                       GCancellable           *cancellable,
                                       GAsyncReadyCallback     callback,
                                       gpointer                user_data);
gboolean   vc_worker_load_finish      (VcWorker               *self,
                                       GAsyncResult           *result,
                                       GError                **error);
/* The name to show for a model folder: its base name, as on the Hub. */
char      *vc_worker_display_name     (const char             *path);
/* What the loaded model is, or NULL. */
const VilaModelInfo *vc_worker_get_model_info (VcWorker       *self);

/* Answers a new turn of @conversation: @text with @images (VcLoadedImage,
 * may be NULL) where @offsets (gint64 byte offsets into @text, one per
 * image; -1 or NULL for before the text) put them. The conversation's
 * session (its KV cache) lives in the worker, so a follow-up prefills
 * only the new turn. Cancelling @cancellable stops the answer within one
 * decode step; it then finishes normally with the stop reason
 * VILA_STOP_CANCELLED and keeps what was generated. */
void       vc_worker_generate_async   (VcWorker                  *self,
                                       gint64                     conversation,
                                       const char                *text,
                                       GPtrArray                 *images,
                                       GArray                    *offsets,
                                       const VilaSamplingParams  *params,
                                       GCancellable              *cancellable,
                                       GAsyncReadyCallback        callback,
                                       gpointer                   user_data);
gboolean   vc_worker_generate_finish  (VcWorker                  *self,
                                       GAsyncResult              *result,
                                       VilaGenerateStats         *stats,
                                       GError                   **error);
/* Rebuilds the session of @conversation from what was stored: @messages
 * (VcMessage, oldest first; their images read from the image store in
 * @folder), earlier answers written in as text, the way VILA rebuilds its
 * prompts. Nothing is computed until the next answer, which then prefills
 * the whole conversation once. For a conversation opened again after a
 * restart, or edited before its last turn. A failure (an image file gone)
 * is the error of that next answer. @messages must not change after. */
void       vc_worker_restore          (VcWorker                  *self,
                                       gint64                     conversation,
                                       GPtrArray                 *messages,
                                       const char                *folder);
/* The system prompt of @conversation's sessions from now on (NULL or
 * empty: the template's own). A different prompt drops the session it
 * had: the caller restores the conversation before its next answer. */
void       vc_worker_set_system_prompt (VcWorker                 *self,
                                        gint64                    conversation,
                                        const char               *prompt);
/* Frees the model and every conversation's session (after the answer
 * being written, if any: stop it first). The model info is NULL at once;
 * an answer asked for after this fails with "No model is loaded". */
void       vc_worker_unload           (VcWorker                  *self);
/* While held, the engine goes on but what it reports (tokens, load
 * progress, finished loads and answers) waits in the worker, in order,
 * until released: for tools that measure the window with the engine busy
 * but without its answer (tools/ui-bench). */
void       vc_worker_hold_reports     (VcWorker                  *self,
                                       gboolean                   hold);
/* Drops the session of @conversation (deleted, or edited before its last
 * turn: the next answer starts from the conversation's beginning). */
void       vc_worker_forget           (VcWorker                  *self,
                                       gint64                     conversation);

G_END_DECLS
