/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A conversation between the store and the worker (see vc-chat.h). The
 * store is the truth: when a chat starts (or regenerates), the worker's
 * session is rebuilt from what the store holds, so what the model sees is
 * always what the user sees.
 */
#define G_LOG_DOMAIN "vc-chat"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vc-chat.h"
#include "vc-image-store.h"

/* Saves of a streaming answer: a kill loses at most this much. */
#define SAVE_INTERVAL_US G_USEC_PER_SEC

struct _VcChat
{
  GObject    parent_instance;
  VcStore   *store;
  VcWorker  *worker;
  gint64     conversation;
  gboolean   in_step;        /* the worker's session matches the store */
  char      *system_prompt;  /* NULL: the template's own */
  gboolean   prompt_known;   /* the worker was told system_prompt */
  gulong     tokens_handler;

  /* The answer streaming now, if any. */
  gint64     answer;
  gboolean   asking;         /* a question's images are being read */
  GString   *answer_text;
  gint64     last_save;
};

enum {
  SIGNAL_ANSWER_CHANGED,
  SIGNAL_ANSWER_STARTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (VcChat, vc_chat, G_TYPE_OBJECT)

static void
vc_chat_dispose (GObject *object)
{
  VcChat *self = VC_CHAT (object);

  if (self->tokens_handler != 0)
    g_clear_signal_handler (&self->tokens_handler, self->worker);
  g_clear_object (&self->worker);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (vc_chat_parent_class)->dispose (object);
}

static void
vc_chat_finalize (GObject *object)
{
  VcChat *self = VC_CHAT (object);

  g_string_free (self->answer_text, TRUE);
  g_free (self->system_prompt);
  G_OBJECT_CLASS (vc_chat_parent_class)->finalize (object);
}

static void
vc_chat_class_init (VcChatClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vc_chat_dispose;
  object_class->finalize = vc_chat_finalize;

  signals[SIGNAL_ANSWER_STARTED] = g_signal_new ("answer-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SIGNAL_ANSWER_CHANGED] = g_signal_new ("answer-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_STRING);
}

static void
vc_chat_init (VcChat *self)
{
  self->answer_text = g_string_new (NULL);
}

static void
save_answer (VcChat         *self,
             VcMessageState  state,
             double          first_token_ms,
             double          tokens_per_second)
{
  g_autoptr(GError) error = NULL;

  self->last_save = g_get_monotonic_time ();
  if (!vc_store_update_message (self->store, self->answer, self->answer_text->str, state, first_token_ms,
                                tokens_per_second, &error))
    g_warning ("Cannot save the answer: %s", error->message);
}

static void
on_tokens (VcWorker   *worker,
           gint64      conversation,
           const char *text,
           gpointer    user_data)
{
  VcChat *self = user_data;

  if (conversation != self->conversation || self->answer == 0)
    return;
  g_string_append (self->answer_text, text);
  g_signal_emit (self, signals[SIGNAL_ANSWER_CHANGED], 0, self->answer, self->answer_text->str);
  if (g_get_monotonic_time () - self->last_save >= SAVE_INTERVAL_US)
    save_answer (self, VC_MESSAGE_STREAMING, -1, -1);
}

VcChat *
vc_chat_new (VcStore  *store,
             VcWorker *worker,
             gint64    conversation)
{
  VcChat *self;

  g_return_val_if_fail (VC_IS_STORE (store), NULL);
  g_return_val_if_fail (VC_IS_WORKER (worker), NULL);

  self = g_object_new (VC_TYPE_CHAT, NULL);
  self->store = g_object_ref (store);
  self->worker = g_object_ref (worker);
  self->conversation = conversation;
  self->tokens_handler = g_signal_connect (worker, "tokens", G_CALLBACK (on_tokens), self);
  return self;
}

gint64
vc_chat_get_conversation (VcChat *self)
{
  g_return_val_if_fail (VC_IS_CHAT (self), 0);

  return self->conversation;
}

/* The worker's session rebuilt from the store (everything, or what
 * precedes a regenerated answer). */
static gboolean
bring_in_step (VcChat  *self,
               GError **error)
{
  g_autoptr(GPtrArray) messages = NULL;

  if (self->in_step)
    return TRUE;
  if (!(messages = vc_store_list_messages (self->store, self->conversation, error)))
    return FALSE;
  if (messages->len > 0)
    vc_worker_restore (self->worker, self->conversation, messages, vc_store_get_folder (self->store));
  else
    vc_worker_forget (self->worker, self->conversation);
  self->in_step = TRUE;
  return TRUE;
}

/* The title a conversation gets from its first question. */
static char *
title_of (const char *text)
{
  const char *end = strchr (text, '\n');
  g_autofree char *line = g_strndup (text, end ? (gsize) (end - text) : strlen (text));

  g_strstrip (line);
  if (*line == '\0')
    return g_strdup (_("Images"));
  if (g_utf8_strlen (line, -1) > 60)
    {
      g_autofree char *cut = g_utf8_substring (line, 0, 59);

      return g_strconcat (cut, "…", NULL);
    }
  return g_steal_pointer (&line);
}

static void
on_generated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VcChat *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  VilaGenerateStats stats;
  gint64 answer = self->answer;

  /* Every token arrives (through on_tokens) before this returns. */
  if (!vc_worker_generate_finish (VC_WORKER (source), result, &stats, &error))
    {
      save_answer (self, VC_MESSAGE_ERROR, -1, -1);
      self->answer = 0;
      /* The worker dropped its half-written turn: rebuild next time. */
      self->in_step = FALSE;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  save_answer (self, stats.stop_reason == VILA_STOP_CANCELLED ? VC_MESSAGE_STOPPED : VC_MESSAGE_COMPLETE,
               stats.time_to_first_token_us / 1000.0,
               stats.decode_us > 0 ? stats.n_generated / (stats.decode_us / (double) G_USEC_PER_SEC) : -1);
  self->answer = 0;
  g_task_return_int (task, answer);
}

/* The answer's message, then the worker asked (@text and @images go in
 * as a new turn; NULL for a turn the session already holds). */
static void
answer (VcChat                   *self,
        GTask                    *task,
        const char               *text,
        GPtrArray                *images,
        GArray                   *offsets,
        const VilaSamplingParams *params)
{
  g_autoptr(GError) error = NULL;
  const VilaModelInfo *info = vc_worker_get_model_info (self->worker);
  VilaSamplingParams defaults;
  VcMessage message;

  if (params == NULL)
    {
      vila_sampling_params_init (&defaults);
      params = &defaults;
    }
  message = (VcMessage) {
    .conversation_id = self->conversation, .role = VC_ROLE_ASSISTANT, .text = (char *) "",
    .state = VC_MESSAGE_STREAMING, .model = info ? (char *) info->name : NULL,
    .temperature = params->temperature, .top_p = params->top_p, .max_new_tokens = params->max_new_tokens,
    .first_token_ms = -1, .tokens_per_second = -1,
  };
  if (!(self->answer = vc_store_add_message (self->store, &message, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  g_string_truncate (self->answer_text, 0);
  self->last_save = g_get_monotonic_time ();
  g_signal_emit (self, signals[SIGNAL_ANSWER_STARTED], 0, self->answer);
  vc_worker_generate_async (self->worker, self->conversation, text, images, offsets, params, g_task_get_cancellable (task),
                            on_generated, task);
}

/* The task of a send or regenerate; NULL (the task already returned
 * with the error) while another answer is being written. */
static gboolean
is_character_boundary (const char *text,
                       gint64      offset)
{
  /* A continuation byte of UTF-8 is 10xxxxxx. */
  return text[offset] == '\0' || (text[offset] & 0xc0) != 0x80;
}

static GTask *
new_task (VcChat              *self,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, vc_chat_send_async);
  /* A stopped answer still returns what it wrote. */
  g_task_set_check_cancellable (task, FALSE);
  if (self->answer == 0 && !self->asking)
    return task;
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY, _("An answer is still being written"));
  g_object_unref (task);
  return NULL;
}

void
vc_chat_set_system_prompt (VcChat     *self,
                           const char *prompt)
{
  g_return_if_fail (VC_IS_CHAT (self));

  if (prompt != NULL && *prompt == '\0')
    prompt = NULL;
  if (self->prompt_known && g_strcmp0 (prompt, self->system_prompt) == 0)
    return;
  self->prompt_known = TRUE;
  g_free (self->system_prompt);
  self->system_prompt = g_strdup (prompt);
  /* The worker drops a session built on another prompt; the next answer
   * rebuilds it from the store under this one. */
  vc_worker_set_system_prompt (self->worker, self->conversation, prompt);
  self->in_step = FALSE;
}

/* A question on its way: what was asked, and what reading its images
 * gave (in a thread: decoding photos takes long enough to freeze a
 * window). */
typedef struct {
  gint64              replaced;
  char               *text;
  GPtrArray          *images;      /* GBytes, as given */
  GArray             *offsets;     /* gint64, as given, or NULL */
  VilaSamplingParams  params;
  gboolean            has_params;
  char               *folder;
  GArray             *stored;      /* VcMessageImage */
  GPtrArray          *decoded;     /* VcLoadedImage */
  GArray             *where;       /* gint64: the offsets kept */
  GPtrArray          *shas;
} Question;

static void
question_free (Question *q)
{
  g_free (q->text);
  g_clear_pointer (&q->images, g_ptr_array_unref);
  g_clear_pointer (&q->offsets, g_array_unref);
  g_free (q->folder);
  g_array_unref (q->stored);
  g_ptr_array_unref (q->decoded);
  g_array_unref (q->where);
  g_ptr_array_unref (q->shas);
  g_free (q);
}

/* Any thread: each image into the image store and decoded; one that
 * cannot be read stops the question before anything is stored (and
 * nothing of it stays in the image store). */
static gboolean
read_images (Question  *q,
             GError   **error)
{
  for (guint i = 0; q->images != NULL && i < q->images->len; i++)
    {
      g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, q->images->pdata[i]);
      g_autofree char *path = vc_image_store_path (q->folder, sha);
      gboolean existed = g_file_test (path, G_FILE_TEST_IS_REGULAR);
      g_autofree char *added = vc_image_store_add (q->folder, q->images->pdata[i], error);
      VcLoadedImage *image;
      gint64 offset;

      if (added == NULL)
        return FALSE;
      if (!(image = vc_image_load (path, error)))
        {
          if (!existed)
            g_unlink (path);
          return FALSE;
        }
      /* An offset past the text or inside a character would split it. */
      offset = q->offsets != NULL && i < q->offsets->len ? g_array_index (q->offsets, gint64, i) : -1;
      if (offset > (gint64) strlen (q->text) || (offset > 0 && !is_character_boundary (q->text, offset)))
        offset = -1;
      g_ptr_array_add (q->decoded, image);
      g_array_append_val (q->where, offset);
      g_array_append_val (q->stored, ((VcMessageImage) { sha, offset }));
      g_ptr_array_add (q->shas, g_steal_pointer (&sha));
    }
  return TRUE;
}

static void
read_images_in_thread (GTask        *task,
                       gpointer      source,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  GError *error = NULL;

  if (read_images (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Main thread: the question (in place of the one it replaces, and what
 * followed) into the store, then its answer. */
static void
store_question (VcChat   *self,
                GTask    *task,
                Question *q)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  const char *text = q->text;
  VcMessage question;

  /* An edited question replaces the old one only once its images are
   * known good, so a failure loses nothing. */
  if (q->replaced != 0 && vc_store_truncate_at (self->store, q->replaced, &error))
    self->in_step = FALSE;
  if (error == NULL && bring_in_step (self, &error) &&
      (messages = vc_store_list_messages (self->store, self->conversation, &error)) != NULL)
    {
      question = (VcMessage) {
        .conversation_id = self->conversation, .role = VC_ROLE_USER, .text = (char *) text,
        .state = VC_MESSAGE_COMPLETE, .temperature = -1, .top_p = -1, .first_token_ms = -1,
        .tokens_per_second = -1, .images = q->stored,
      };
      if (vc_store_add_message (self->store, &question, &error) && messages->len == 0)
        {
          g_autofree char *title = title_of (text);

          vc_store_rename_conversation (self->store, self->conversation, title, &error);
        }
    }
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  answer (self, task, text, q->decoded, q->where, q->has_params ? &q->params : NULL);
}

static void
on_images_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  VcChat *self = VC_CHAT (source);
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  self->asking = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  store_question (self, task, g_task_get_task_data (G_TASK (result)));
}

/* A question (in place of @replaced and what follows it, when not 0):
 * its images are read in a thread, then it is stored and answered; a
 * question of words alone is stored at once. */
static void
ask (VcChat                   *self,
     GTask                    *task,
     gint64                    replaced,
     const char               *text,
     GPtrArray                *images,
     GArray                   *offsets,
     const VilaSamplingParams *params)
{
  Question *q = g_new0 (Question, 1);
  g_autoptr(GTask) reading = NULL;

  q->replaced = replaced;
  q->text = g_strdup (text);
  q->images = images != NULL ? g_ptr_array_ref (images) : NULL;
  q->offsets = offsets != NULL ? g_array_ref (offsets) : NULL;
  q->has_params = params != NULL;
  if (params != NULL)
    q->params = *params;
  q->folder = g_strdup (vc_store_get_folder (self->store));
  q->stored = g_array_new (FALSE, FALSE, sizeof (VcMessageImage));
  q->decoded = g_ptr_array_new_with_free_func ((GDestroyNotify) vc_image_free);
  q->where = g_array_new (FALSE, FALSE, sizeof (gint64));
  q->shas = g_ptr_array_new_with_free_func (g_free);
  if (images == NULL || images->len == 0)
    {
      store_question (self, task, q);
      question_free (q);
      return;
    }
  self->asking = TRUE;
  reading = g_task_new (self, NULL, on_images_read, task);
  g_task_set_task_data (reading, q, (GDestroyNotify) question_free);
  g_task_run_in_thread (reading, read_images_in_thread);
}

void
vc_chat_send_async (VcChat                   *self,
                    const char               *text,
                    GPtrArray                *images,
                    GArray                   *offsets,
                    const VilaSamplingParams *params,
                    GCancellable             *cancellable,
                    GAsyncReadyCallback       callback,
                    gpointer                  user_data)
{
  GTask *task;

  g_return_if_fail (VC_IS_CHAT (self));
  g_return_if_fail (text != NULL);

  if ((task = new_task (self, cancellable, callback, user_data)) != NULL)
    ask (self, task, 0, text, images, offsets, params);
}

void
vc_chat_edit_async (VcChat                   *self,
                    gint64                    question,
                    const char               *text,
                    GPtrArray                *images,
                    GArray                   *offsets,
                    const VilaSamplingParams *params,
                    GCancellable             *cancellable,
                    GAsyncReadyCallback       callback,
                    gpointer                  user_data)
{
  GTask *task;

  g_return_if_fail (VC_IS_CHAT (self));
  g_return_if_fail (question > 0);
  g_return_if_fail (text != NULL);

  if ((task = new_task (self, cancellable, callback, user_data)) != NULL)
    ask (self, task, question, text, images, offsets, params);
}

gboolean
vc_chat_delete_message (VcChat  *self,
                        gint64   message,
                        GError **error)
{
  g_autoptr(GPtrArray) messages = NULL;

  g_return_val_if_fail (VC_IS_CHAT (self), FALSE);

  if (self->answer != 0 || self->asking)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("An answer is still being written"));
      return FALSE;
    }
  if (!(messages = vc_store_list_messages (self->store, self->conversation, error)))
    return FALSE;
  for (guint i = 0; i < messages->len; i++)
    {
      const VcMessage *m = messages->pdata[i];
      const VcMessage *next = i + 1 < messages->len ? messages->pdata[i + 1] : NULL;

      if (m->id != message)
        continue;
      /* The session is rebuilt from what is left before the next answer. */
      self->in_step = FALSE;
      if (m->role == VC_ROLE_USER && next != NULL && next->role == VC_ROLE_ASSISTANT &&
          !vc_store_delete_message (self->store, next->id, error))
        return FALSE;
      return vc_store_delete_message (self->store, message, error);
    }
  g_set_error (error, VC_STORE_ERROR, VC_STORE_ERROR_NOT_FOUND, _("There is no message %lld in this conversation"),
               (long long) message);
  return FALSE;
}

void
vc_chat_regenerate_async (VcChat                   *self,
                          gint64                    answer_id,
                          const VilaSamplingParams *params,
                          GCancellable             *cancellable,
                          GAsyncReadyCallback       callback,
                          gpointer                  user_data)
{
  GTask *task;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (VC_IS_CHAT (self));

  if (!(task = new_task (self, cancellable, callback, user_data)))
    return;
  /* The question stays; its answer and everything after go, and the
   * worker starts again from what is left. */
  self->in_step = FALSE;
  if (!vc_store_truncate_at (self->store, answer_id, &error) || !bring_in_step (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  answer (self, task, NULL, NULL, NULL, params);
}

gint64
vc_chat_send_finish (VcChat        *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  gssize answer;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  /* g_task_propagate_int() says -1 for an error. */
  answer = g_task_propagate_int (G_TASK (result), error);
  return MAX (answer, 0);
}
