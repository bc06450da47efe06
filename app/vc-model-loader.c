/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-model-loader"

#include "config.h"

#include "vc-model-loader.h"

typedef struct {
  char            *path;
  VilaLoadOptions  options;
  gint             cancel;     /* the engine's cancel flag */
  gulong           cancelled_id;
  GCancellable    *cancellable;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  if (job->cancellable != NULL)
    g_cancellable_disconnect (job->cancellable, job->cancelled_id);
  g_clear_object (&job->cancellable);
  g_free (job->path);
  g_free (job);
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  LoadJob *job = user_data;

  g_atomic_int_set (&job->cancel, 1);
}

static void
load_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  LoadJob *job = task_data;
  g_autoptr(GError) error = NULL;
  VilaModel *model;

  job->options.cancel = &job->cancel;
  model = vila_model_load (job->path, &job->options, &error);

  if (model == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (g_cancellable_is_cancelled (cancellable))
    {
      vila_model_unref (model);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Loading was cancelled");
    }
  else
    g_task_return_pointer (task, model, (GDestroyNotify) vila_model_unref);
}

void
vc_model_loader_load_async (const char             *path,
                            const VilaLoadOptions  *options,
                            GCancellable           *cancellable,
                            GAsyncReadyCallback     callback,
                            gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job;

  g_return_if_fail (path != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (LoadJob, 1);
  job->path = g_strdup (path);
  if (options != NULL)
    job->options = *options;
  else
    vila_load_options_init (&job->options);
  /* Progress callbacks would run on the worker; they come with the worker
   * thread of the chat window issue, which marshals them. */
  job->options.progress = NULL;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, vc_model_loader_load_async);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);

  if (cancellable != NULL)
    {
      job->cancellable = g_object_ref (cancellable);
      job->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), job, NULL);
    }

  g_task_run_in_thread (task, load_in_thread);
}

VilaModel *
vc_model_loader_load_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vc_model_loader_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
vc_model_loader_display_name (const char *path)
{
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  /* "models/VILA1.5-3b/" names "VILA1.5-3b", not "". */
  canonical = g_canonicalize_filename (path, NULL);
  return g_path_get_basename (canonical);
}
