/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engine's thread (see vc-worker.h). Jobs go through an async queue;
 * each carries its GTask, which returns in the caller's main context.
 * Tokens are gathered under a lock as the engine produces them and taken
 * by a timer of the main context, at most once a frame, while an answer or
 * a load runs: a chat streaming 100 tokens/s then costs the UI 60 small
 * updates a second, not 100 idle callbacks fighting the frame clock.
 *
 * The engine's thread runs under the idle policy (worker_thread()), so
 * the window's thread must never wait for it: a busy program could keep it
 * off the processors for long while it held a lock. So the engine's thread
 * touches nothing of the main context (attaching a source, as returning a
 * GTask from another thread does, takes the context's lock): the timer
 * takes its tokens, its load progress and the tasks it finished, and only
 * tries the lock, taking them at the next tick when the engine holds it.
 */
#define G_LOG_DOMAIN "vc-worker"
/* SCHED_IDLE */
#define _GNU_SOURCE 1

#include "config.h"

#ifdef __linux__
#include <errno.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <glib/gi18n.h>

#include "vc-image-store.h"
#include "vc-worker.h"

/* A frame at 60 Hz, rounded up: never twice in one. */
#define POLL_INTERVAL_MS 17

typedef enum {
  JOB_LOAD,
  JOB_GENERATE,
  JOB_FORGET,
  JOB_RESTORE,
  JOB_SET_PROMPT,
  JOB_UNLOAD,
  JOB_QUIT,
} JobKind;

typedef struct {
  JobKind             kind;
  GTask              *task;
  /* What the task returns, set on the worker thread and returned on the
   * main context's: an error, or a result and how to free it. */
  GError             *error;
  gpointer            result;
  GDestroyNotify      result_free;
  gint                cancel;           /* the engine's flag */
  GCancellable       *cancellable;
  gulong              cancelled_id;
  char               *path;
  VilaLoadOptions     options;
  gint64              conversation;
  char               *text;
  GPtrArray          *images;
  GArray             *offsets;
  VilaSamplingParams  params;
  GPtrArray          *messages;         /* VcMessage, to restore */
} Job;

/* How much the engine's threads yield to other programs where the
 * idle policy is not to be had (and their I/O priority, which follows). */
#define ENGINE_NICENESS 10

/* Text waiting for the main context, per conversation, in order. */
typedef struct {
  gint64   conversation;
  GString *text;
} Chunk;

struct _VcWorker
{
  GObject       parent_instance;
  GThread      *thread;
  GAsyncQueue  *jobs;
  GMainContext *context;

  /* The worker thread's alone. */
  VilaModel    *model;
  GHashTable   *sessions;      /* gint64 * -> VilaSession * */
  GHashTable   *restore_errors;/* gint64 * -> GError *: why a restore failed, for the next answer */
  GHashTable   *prompts;       /* gint64 * -> char *: a conversation's system prompt */

  /* The main context's: the model whose info is shown, and the timer
   * that takes reports while jobs that make them (answers and loads) are
   * queued or running. */
  VilaModel    *shown_model;
  GSource      *poll;
  guint         n_reporting;
  gboolean      held;          /* vc_worker_hold_reports() */

  /* Shared, under @lock. */
  GMutex        lock;
  GArray       *chunks;        /* Chunk */
  GPtrArray    *done;          /* GTask: loads and answers to return, in order */
  double        progress;
  char         *stage;         /* NULL: no progress since the last taken */
};

enum {
  SIGNAL_LOAD_PROGRESS,
  SIGNAL_TOKENS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (VcWorker, vc_worker, G_TYPE_OBJECT)

static void
job_free (Job *job)
{
  if (job->cancellable != NULL)
    g_cancellable_disconnect (job->cancellable, job->cancelled_id);
  g_clear_object (&job->cancellable);
  g_free (job->path);
  g_free (job->text);
  g_clear_pointer (&job->images, g_ptr_array_unref);
  g_clear_pointer (&job->offsets, g_array_unref);
  g_clear_pointer (&job->messages, g_ptr_array_unref);
  g_clear_error (&job->error);
  if (job->result != NULL && job->result_free != NULL)
    job->result_free (job->result);
  g_free (job);
}

/* Worker thread: what @job's task is to return. */
static void
job_fail (Job    *job,
          GError *error)
{
  job->error = error;
}

static void
job_succeed (Job            *job,
             gpointer        result,
             GDestroyNotify  result_free)
{
  job->result = result;
  job->result_free = result_free;
}

static void
on_job_cancelled (GCancellable *cancellable,
                  gpointer      user_data)
{
  Job *job = user_data;

  g_atomic_int_set (&job->cancel, 1);
}

/* A job for @task (which owns it from then on). */
static Job *
job_new (JobKind       kind,
         GTask        *task,
         GCancellable *cancellable)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->task = task;
  if (task != NULL)
    g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  if (cancellable != NULL)
    {
      job->cancellable = g_object_ref (cancellable);
      job->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_job_cancelled), job, NULL);
    }
  return job;
}

static void count_reporting (VcWorker *self,
                             int       delta);

/* Main context: hands over what the engine reported since the last time:
 * its tokens in order, the latest load progress, then the loads and
 * answers it finished (after their last tokens). Nothing while the
 * engine's thread holds the lock: the next tick takes it. */
static void
take_reports (VcWorker *self)
{
  g_autoptr(VcWorker) alive = g_object_ref (self);  /* a task may hold the last reference */
  g_autoptr(GArray) chunks = NULL;
  g_autoptr(GPtrArray) done = NULL;
  g_autofree char *stage = NULL;
  double progress;

  if (self->held || !g_mutex_trylock (&self->lock))
    return;
  if (self->chunks->len > 0)
    {
      chunks = self->chunks;
      self->chunks = g_array_new (FALSE, FALSE, sizeof (Chunk));
    }
  if (self->done->len > 0)
    {
      done = self->done;
      self->done = g_ptr_array_new ();
    }
  progress = self->progress;
  stage = g_steal_pointer (&self->stage);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; chunks != NULL && i < chunks->len; i++)
    {
      Chunk *chunk = &g_array_index (chunks, Chunk, i);

      g_signal_emit (self, signals[SIGNAL_TOKENS], 0, chunk->conversation, chunk->text->str);
      g_string_free (chunk->text, TRUE);
    }
  if (stage != NULL)
    g_signal_emit (self, signals[SIGNAL_LOAD_PROGRESS], 0, progress, stage);
  for (guint i = 0; done != NULL && i < done->len; i++)
    {
      GTask *task = done->pdata[i];
      Job *job = g_task_get_task_data (task);

      if (job->error != NULL)
        g_task_return_error (task, g_steal_pointer (&job->error));
      else
        g_task_return_pointer (task, g_steal_pointer (&job->result), job->result_free);
      count_reporting (self, -1);
      g_object_unref (task);
    }
}

static gboolean
poll_cb (gpointer user_data)
{
  take_reports (VC_WORKER (user_data));
  return G_SOURCE_CONTINUE;
}

/* Main context: a job that reports was queued (@delta 1) or is done (-1);
 * the timer runs while any is. */
static void
count_reporting (VcWorker *self,
                 int       delta)
{
  self->n_reporting += delta;
  if (self->n_reporting > 0 && self->poll == NULL)
    {
      self->poll = g_timeout_source_new (POLL_INTERVAL_MS);
      g_source_set_priority (self->poll, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->poll, poll_cb, self, NULL);
      g_source_attach (self->poll, self->context);
    }
  else if (self->n_reporting == 0 && self->poll != NULL)
    {
      g_source_destroy (self->poll);
      g_clear_pointer (&self->poll, g_source_unref);
    }
}

/* Worker thread: the engine's token callback. */
static gboolean
on_token (const char *text,
          gint32      token_id,
          gpointer    user_data)
{
  Job *job = user_data;
  VcWorker *self = g_task_get_source_object (job->task);
  Chunk *last;

  if (*text == '\0')
    return TRUE;
  g_mutex_lock (&self->lock);
  last = self->chunks->len ? &g_array_index (self->chunks, Chunk, self->chunks->len - 1) : NULL;
  if (last != NULL && last->conversation == job->conversation)
    g_string_append (last->text, text);
  else
    {
      Chunk chunk = { job->conversation, g_string_new (text) };

      g_array_append_val (self->chunks, chunk);
    }
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* Worker thread: the engine's load progress, the latest one shown. */
static void
on_progress (double      fraction,
             const char *what,
             gpointer    user_data)
{
  VcWorker *self = user_data;

  g_mutex_lock (&self->lock);
  self->progress = fraction;
  g_free (self->stage);
  self->stage = g_strdup (what ? what : "");
  g_mutex_unlock (&self->lock);
}

static void
run_load (VcWorker *self,
          Job      *job)
{
  g_autoptr(GError) error = NULL;
  VilaModel *model;

  job->options.cancel = &job->cancel;
  job->options.progress = on_progress;
  job->options.progress_data = self;
  model = vila_model_load (job->path, &job->options, &error);
  if (model == NULL)
    {
      job_fail (job, g_steal_pointer (&error));
      return;
    }
  g_hash_table_remove_all (self->sessions);
  g_hash_table_remove_all (self->restore_errors);
  g_clear_pointer (&self->model, vila_model_unref);
  self->model = model;
  job_succeed (job, vila_model_ref (model), (GDestroyNotify) vila_model_unref);
}

/* Worker thread: a user's turn into @session, @images (VcLoadedImage)
 * where @offsets (byte offsets into @text, -1 for before it; NULL for all
 * before) put them, in order. */
static gboolean
append_turn (VilaSession  *session,
             const char   *text,
             GPtrArray    *images,
             GArray       *offsets,
             GError      **error)
{
  gsize done = 0, length = text != NULL ? strlen (text) : 0;

  for (guint i = 0; images != NULL && i < images->len; i++)
    {
      const VcLoadedImage *image = g_ptr_array_index (images, i);
      gint64 offset = offsets != NULL && i < offsets->len ? g_array_index (offsets, gint64, i) : -1;
      gsize at = offset < 0 ? 0 : MIN ((gsize) offset, length);

      /* Offsets out of order (never written so) keep the text whole. */
      if (at > done)
        {
          g_autofree char *part = g_strndup (text + done, at - done);

          if (!vila_session_append_text (session, part, error))
            return FALSE;
          done = at;
        }
      if (!vila_session_append_image (session, &image->image, error))
        return FALSE;
    }
  return done >= length || vila_session_append_text (session, text + done, error);
}

/* Worker thread: one stored user message into @session, its images read
 * from the image store in @folder. */
static gboolean
append_stored_message (VilaSession      *session,
                       const VcMessage  *message,
                       const char       *folder,
                       GError          **error)
{
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) vc_image_free);
  g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; message->images != NULL && i < message->images->len; i++)
    {
      const VcMessageImage *image = &g_array_index (message->images, VcMessageImage, i);
      g_autofree char *path = vc_image_store_path (folder, image->sha256);
      VcLoadedImage *loaded = vc_image_load (path, error);

      if (loaded == NULL)
        return FALSE;
      g_ptr_array_add (images, loaded);
      g_array_append_val (offsets, image->text_offset);
    }
  return append_turn (session, message->text, images, offsets, error);
}

/* Worker thread: a new session for @conversation, with its system prompt
 * if it has one. */
static VilaSession *
new_session (VcWorker  *self,
             gint64     conversation,
             GError   **error)
{
  VilaSessionOptions options;

  vila_session_options_init (&options);
  options.system_prompt = g_hash_table_lookup (self->prompts, &conversation);
  return vila_session_new (self->model, &options, error);
}

static void
run_set_prompt (VcWorker *self,
                Job      *job)
{
  const char *now = g_hash_table_lookup (self->prompts, &job->conversation);
  gint64 *key;

  if (g_strcmp0 (now, job->text) == 0)
    return;
  /* A session built on the old prompt has nothing to give the new one. */
  g_hash_table_remove (self->sessions, &job->conversation);
  if (job->text == NULL)
    {
      g_hash_table_remove (self->prompts, &job->conversation);
      return;
    }
  key = g_new (gint64, 1);
  *key = job->conversation;
  g_hash_table_insert (self->prompts, key, g_steal_pointer (&job->text));
}

static void
run_generate (VcWorker *self,
              Job      *job)
{
  g_autoptr(GError) error = NULL;
  VilaGenerateStats stats = { 0 };
  VilaSession *session;

  if (self->model == NULL)
    {
      job_fail (job, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("No model is loaded")));
      return;
    }
  {
    gpointer stolen_key = NULL, stolen_error = NULL;

    if (g_hash_table_steal_extended (self->restore_errors, &job->conversation, &stolen_key, &stolen_error))
      {
        g_free (stolen_key);
        job_fail (job, stolen_error);
        return;
      }
  }
  session = g_hash_table_lookup (self->sessions, &job->conversation);
  if (session == NULL)
    {
      gint64 *key = g_new (gint64, 1);

      if (!(session = new_session (self, job->conversation, &error)))
        {
          g_free (key);
          job_fail (job, g_steal_pointer (&error));
          return;
        }
      *key = job->conversation;
      g_hash_table_insert (self->sessions, key, session);
    }

  append_turn (session, job->text, job->images, job->offsets, &error);
  if (error == NULL)
    vila_session_generate (session, &job->params, on_token, job, &job->cancel, &stats, &error);
  if (error != NULL)
    {
      /* The turn never closed: start the conversation afresh next time
       * rather than build on half of it. */
      g_hash_table_remove (self->sessions, &job->conversation);
      job_fail (job, g_steal_pointer (&error));
      return;
    }
  job_succeed (job, g_memdup2 (&stats, sizeof stats), g_free);
}

static void
run_restore (VcWorker *self,
             Job      *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaSession) session = NULL;
  gint64 *key;

  g_hash_table_remove (self->sessions, &job->conversation);
  g_hash_table_remove (self->restore_errors, &job->conversation);
  if (self->model == NULL)
    return;
  if (!(session = new_session (self, job->conversation, &error)))
    goto failed;
  for (guint i = 0; i < job->messages->len; i++)
    {
      const VcMessage *message = g_ptr_array_index (job->messages, i);

      /* Answers that failed have nothing to build on. */
      if (message->role == VC_ROLE_ASSISTANT && message->state != VC_MESSAGE_ERROR && *message->text != '\0'
          ? !vila_session_append_answer (session, message->text, &error)
          : message->role == VC_ROLE_USER && !append_stored_message (session, message, job->path, &error))
        goto failed;
    }
  key = g_new (gint64, 1);
  *key = job->conversation;
  g_hash_table_insert (self->sessions, key, g_steal_pointer (&session));
  return;

failed:
  /* Said by the next answer of the conversation, which then fails. */
  key = g_new (gint64, 1);
  *key = job->conversation;
  g_prefix_error (&error, _("The conversation cannot be continued: "));
  g_hash_table_insert (self->restore_errors, key, g_steal_pointer (&error));
}

static gpointer
worker_thread (gpointer data)
{
  VcWorker *self = data;

  /* The engine yields to the window (and, under X11, to the display
   * server): an answer a little slower beats a window that stutters
   * (tools/ui-bench measured seconds of stalls on two cores without
   * this). On Linux the policy and nice value belong to the thread, and
   * the engine's CPU threads, made from this one, inherit them.
   *
   * The idle policy, not only a nice value: a thread of lower weight is
   * still left to finish its time slice when the main thread or the
   * display server wakes on its processor (ui-bench saw wake-ups wait
   * 3 ms and more behind the engine at nice 10, and a frame's dozen
   * round trips to the display server add those up: 7 of 13 runs had
   * stalls over 16 ms while 500 tokens/s streamed and the engine
   * prefilled; with the idle policy 0 of 7, the prefill as fast). An
   * idle thread gives way at once. The kernel shares the processors
   * between groups first (a login session's autogroup, an app's cgroup
   * where the CPU controller is on), so the policy orders the threads of
   * the group this app runs in: the engine gives way to its window, and
   * to any other busy program of the group, which nice 10 did nine parts
   * in ten. As it may then wait long for a processor, the window's thread
   * never waits for it (see the top of this file). */
#ifdef __linux__
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), ENGINE_NICENESS) != 0)
    g_debug ("The engine keeps the window's priority: %s", g_strerror (errno));
  if (sched_setscheduler (0, SCHED_IDLE, &(struct sched_param) { .sched_priority = 0 }) != 0)
    g_debug ("The engine keeps the usual scheduling policy: %s", g_strerror (errno));
#endif

  for (;;)
    {
      Job *job = g_async_queue_pop (self->jobs);

      switch (job->kind)
        {
        case JOB_LOAD:
          run_load (self, job);
          break;
        case JOB_GENERATE:
          run_generate (self, job);
          break;
        case JOB_FORGET:
          g_hash_table_remove (self->sessions, &job->conversation);
          job_free (job);
          continue;
        case JOB_RESTORE:
          run_restore (self, job);
          job_free (job);
          continue;
        case JOB_SET_PROMPT:
          run_set_prompt (self, job);
          job_free (job);
          continue;
        case JOB_UNLOAD:
          /* Every session's KV cache goes with the model. */
          job_free (job);
          g_hash_table_remove_all (self->sessions);
          g_hash_table_remove_all (self->restore_errors);
          g_clear_pointer (&self->model, vila_model_unref);
          continue;
        case JOB_QUIT:
          job_free (job);
          g_hash_table_remove_all (self->sessions);
          g_clear_pointer (&self->model, vila_model_unref);
          return NULL;
        default:
          g_assert_not_reached ();
        }
      /* The task (and with it the job and a reference to the worker) goes
       * back to the caller's context, after the job's last reports, and is
       * returned there: dropping the last reference to the worker here
       * would make this thread wait for itself in dispose. */
      g_mutex_lock (&self->lock);
      g_ptr_array_add (self->done, job->task);
      g_mutex_unlock (&self->lock);
    }
}

static void
vc_worker_dispose (GObject *object)
{
  VcWorker *self = VC_WORKER (object);

  if (self->thread != NULL)
    {
      g_async_queue_push (self->jobs, job_new (JOB_QUIT, NULL, NULL));
      g_thread_join (g_steal_pointer (&self->thread));
    }
  if (self->poll != NULL)
    g_source_destroy (self->poll);
  g_clear_pointer (&self->poll, g_source_unref);
  g_clear_pointer (&self->shown_model, vila_model_unref);
  G_OBJECT_CLASS (vc_worker_parent_class)->dispose (object);
}

static void
vc_worker_finalize (GObject *object)
{
  VcWorker *self = VC_WORKER (object);

  for (guint i = 0; i < self->chunks->len; i++)
    g_string_free (g_array_index (self->chunks, Chunk, i).text, TRUE);
  g_array_unref (self->chunks);
  g_ptr_array_unref (self->done);
  g_async_queue_unref (self->jobs);
  g_hash_table_unref (self->sessions);
  g_hash_table_unref (self->restore_errors);
  g_hash_table_unref (self->prompts);
  g_main_context_unref (self->context);
  g_free (self->stage);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (vc_worker_parent_class)->finalize (object);
}

static void
vc_worker_class_init (VcWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vc_worker_dispose;
  object_class->finalize = vc_worker_finalize;

  signals[SIGNAL_LOAD_PROGRESS] = g_signal_new ("load-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_STRING);
  signals[SIGNAL_TOKENS] = g_signal_new ("tokens", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_STRING);
}

static void
vc_worker_init (VcWorker *self)
{
  g_mutex_init (&self->lock);
  self->chunks = g_array_new (FALSE, FALSE, sizeof (Chunk));
  self->done = g_ptr_array_new ();
  self->jobs = g_async_queue_new ();
  self->sessions = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) vila_session_free);
  self->restore_errors = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_error_free);
  self->prompts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->context = g_main_context_ref_thread_default ();
}

VcWorker *
vc_worker_new (void)
{
  VcWorker *self = g_object_new (VC_TYPE_WORKER, NULL);

  /* The thread does not hold a reference: disposing the worker stops it. */
  self->thread = g_thread_new ("vila-engine", worker_thread, self);
  return self;
}

/* Queues @job; the worker thread holds the task until it returns. */
static void
submit (VcWorker *self,
        Job      *job)
{
  /* Loads and answers, the jobs with a task, report as they run. */
  if (job->task != NULL)
    {
      g_object_ref (job->task);
      count_reporting (self, 1);
    }
  g_async_queue_push (self->jobs, job);
}

void
vc_worker_load_async (VcWorker               *self,
                      const char             *path,
                      const VilaLoadOptions  *options,
                      GCancellable           *cancellable,
                      GAsyncReadyCallback     callback,
                      gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (VC_IS_WORKER (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vc_worker_load_async);
  g_task_set_check_cancellable (task, FALSE);
  job = job_new (JOB_LOAD, task, cancellable);
  job->path = g_strdup (path);
  if (options != NULL)
    job->options = *options;
  else
    vila_load_options_init (&job->options);
  submit (self, job);
}

gboolean
vc_worker_load_finish (VcWorker      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  VilaModel *model;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!(model = g_task_propagate_pointer (G_TASK (result), error)))
    return FALSE;
  g_clear_pointer (&self->shown_model, vila_model_unref);
  self->shown_model = model;
  return TRUE;
}

void
vc_worker_hold_reports (VcWorker *self,
                        gboolean  hold)
{
  g_return_if_fail (VC_IS_WORKER (self));

  self->held = hold;
}

void
vc_worker_unload (VcWorker *self)
{
  g_return_if_fail (VC_IS_WORKER (self));

  g_clear_pointer (&self->shown_model, vila_model_unref);
  submit (self, job_new (JOB_UNLOAD, NULL, NULL));
}

const VilaModelInfo *
vc_worker_get_model_info (VcWorker *self)
{
  g_return_val_if_fail (VC_IS_WORKER (self), NULL);

  return self->shown_model ? vila_model_get_info (self->shown_model) : NULL;
}

void
vc_worker_generate_async (VcWorker                  *self,
                          gint64                     conversation,
                          const char                *text,
                          GPtrArray                 *images,
                          GArray                    *offsets,
                          const VilaSamplingParams  *params,
                          GCancellable              *cancellable,
                          GAsyncReadyCallback        callback,
                          gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (VC_IS_WORKER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vc_worker_generate_async);
  /* A cancelled answer still returns what it generated. */
  g_task_set_check_cancellable (task, FALSE);
  job = job_new (JOB_GENERATE, task, cancellable);
  job->conversation = conversation;
  job->text = g_strdup (text);
  job->images = images != NULL ? g_ptr_array_ref (images) : NULL;
  job->offsets = offsets != NULL ? g_array_ref (offsets) : NULL;
  if (params != NULL)
    job->params = *params;
  else
    vila_sampling_params_init (&job->params);
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    g_atomic_int_set (&job->cancel, 1);
  submit (self, job);
}

gboolean
vc_worker_generate_finish (VcWorker           *self,
                           GAsyncResult       *result,
                           VilaGenerateStats  *stats,
                           GError            **error)
{
  g_autofree VilaGenerateStats *returned = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!(returned = g_task_propagate_pointer (G_TASK (result), error)))
    return FALSE;
  if (stats != NULL)
    *stats = *returned;
  return TRUE;
}

void
vc_worker_forget (VcWorker *self,
                  gint64    conversation)
{
  Job *job;

  g_return_if_fail (VC_IS_WORKER (self));

  job = job_new (JOB_FORGET, NULL, NULL);
  job->conversation = conversation;
  submit (self, job);
}

void
vc_worker_set_system_prompt (VcWorker   *self,
                             gint64      conversation,
                             const char *prompt)
{
  Job *job;

  g_return_if_fail (VC_IS_WORKER (self));

  job = job_new (JOB_SET_PROMPT, NULL, NULL);
  job->conversation = conversation;
  job->text = prompt != NULL && *prompt != '\0' ? g_strdup (prompt) : NULL;
  submit (self, job);
}

void
vc_worker_restore (VcWorker   *self,
                   gint64      conversation,
                   GPtrArray  *messages,
                   const char *folder)
{
  Job *job;

  g_return_if_fail (VC_IS_WORKER (self));
  g_return_if_fail (messages != NULL && folder != NULL);

  job = job_new (JOB_RESTORE, NULL, NULL);
  job->conversation = conversation;
  job->messages = g_ptr_array_ref (messages);
  job->path = g_strdup (folder);
  submit (self, job);
}

char *
vc_worker_display_name (const char *path)
{
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  /* "models/VILA1.5-3b/" names "VILA1.5-3b", not "". */
  canonical = g_canonicalize_filename (path, NULL);
  return g_path_get_basename (canonical);
}
