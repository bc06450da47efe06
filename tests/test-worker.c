/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine worker on the tiny VILA1.5 checkpoint: a failing load reports
 * its error, a load reports progress, tokens arrive in order and make up
 * exactly the answer the engine gives directly (and a follow-up continues
 * the conversation), a cancel ends the answer early with what was
 * generated, and generating with no model is an error. Argument:
 * tests/data. */
/* SCHED_IDLE */
#define _GNU_SOURCE 1

#include "config.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "vc-worker.h"

static const char *data_dir;

typedef struct {
  GAsyncResult *result;
} Waiter;

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Waiter *waiter = user_data;

  waiter->result = g_object_ref (result);
}

static GAsyncResult *
wait_for (Waiter *waiter)
{
  while (waiter->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return waiter->result;
}

typedef struct {
  GString      *text;
  guint         emissions;
  gint64        conversation;
  GCancellable *cancel_on_first;
} Collector;

static void
on_tokens (VcWorker   *worker,
           gint64      conversation,
           const char *text,
           gpointer    user_data)
{
  Collector *c = user_data;

  g_assert_cmpint (conversation, ==, c->conversation);
  g_string_append (c->text, text);
  c->emissions++;
  if (c->cancel_on_first != NULL)
    g_cancellable_cancel (c->cancel_on_first);
}

static void
on_progress (VcWorker   *worker,
             double      fraction,
             const char *stage,
             gpointer    user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (fraction, >=, *last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  *last = fraction;
}

static char *
checkpoint (void)
{
  return g_build_filename (data_dir, "checkpoints", "vila15-tiny", NULL);
}

static VcWorker *
loaded_worker (void)
{
  g_autofree char *path = checkpoint ();
  g_autoptr(GError) error = NULL;
  VcWorker *worker = vc_worker_new ();
  Waiter waiter = { NULL };
  double last = 0;
  gulong id = g_signal_connect (worker, "load-progress", G_CALLBACK (on_progress), &last);

  vc_worker_load_async (worker, path, NULL, NULL, store_result, &waiter);
  g_assert_true (vc_worker_load_finish (worker, wait_for (&waiter), &error));
  g_assert_no_error (error);
  g_object_unref (waiter.result);
  g_signal_handler_disconnect (worker, id);
  /* Every report came before the load finished, the last one "done". */
  g_assert_cmpfloat (last, ==, 1.0);
  g_assert_nonnull (vc_worker_get_model_info (worker));
  g_assert_cmpstr (vc_worker_get_model_info (worker)->name, ==, "vila15-tiny");
  return worker;
}

static void
test_load_failure (void)
{
  g_autoptr(VcWorker) worker = vc_worker_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (data_dir, "no-such-model", NULL);
  Waiter waiter = { NULL };

  vc_worker_load_async (worker, missing, NULL, NULL, store_result, &waiter);
  g_assert_false (vc_worker_load_finish (worker, wait_for (&waiter), &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "no-such-model"));
  g_assert_null (vc_worker_get_model_info (worker));
  g_object_unref (waiter.result);

  /* Nothing loaded: generating says so. */
  g_clear_error (&error);
  waiter.result = NULL;
  vc_worker_generate_async (worker, 1, "Hello", NULL, NULL, NULL, NULL, store_result, &waiter);
  g_assert_false (vc_worker_generate_finish (worker, wait_for (&waiter), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_object_unref (waiter.result);
}

static gboolean
collect_direct (const char *text,
                gint32      token_id,
                gpointer    user_data)
{
  g_string_append (user_data, text);
  return TRUE;
}

/* What the engine answers on its own, on this thread. */
static char *
direct_answer (const char *question,
               guint       max_tokens)
{
  g_autofree char *path = checkpoint ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModel) model = vila_model_load (path, NULL, &error);
  g_autoptr(VilaSession) session = NULL;
  GString *text = g_string_new (NULL);
  VilaSamplingParams params;

  g_assert_no_error (error);
  session = vila_session_new (model, NULL, &error);
  vila_sampling_params_init (&params);
  params.max_new_tokens = max_tokens;
  g_assert_true (vila_session_append_text (session, question, &error));
  g_assert_true (vila_session_generate (session, &params, collect_direct, text, NULL, NULL, &error));
  return g_string_free (text, FALSE);
}

static void
test_tokens_in_order (void)
{
  g_autoptr(VcWorker) worker = loaded_worker ();
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = direct_answer ("Tell me a story about a lighthouse.", 32);
  Collector collector = { g_string_new (NULL), 0, 7, NULL };
  VilaSamplingParams params;
  VilaGenerateStats stats, follow_up;
  Waiter waiter = { NULL };
  gulong id = g_signal_connect (worker, "tokens", G_CALLBACK (on_tokens), &collector);

  vila_sampling_params_init (&params);
  params.max_new_tokens = 32;
  vc_worker_generate_async (worker, 7, "Tell me a story about a lighthouse.", NULL, NULL, &params, NULL, store_result,
                            &waiter);
  g_assert_true (vc_worker_generate_finish (worker, wait_for (&waiter), &stats, &error));
  g_assert_no_error (error);
  g_object_unref (waiter.result);
  g_test_message ("%u tokens in %u emissions: %s", stats.n_generated, collector.emissions, collector.text->str);
  g_assert_cmpuint (stats.n_generated, >, 0);
  g_assert_cmpuint (collector.emissions, >, 0);
  g_assert_cmpstr (collector.text->str, ==, expected);

  /* The conversation goes on from its cache: only the new turn is
   * prefilled. */
  g_string_truncate (collector.text, 0);
  waiter.result = NULL;
  vc_worker_generate_async (worker, 7, "Why?", NULL, NULL, &params, NULL, store_result, &waiter);
  g_assert_true (vc_worker_generate_finish (worker, wait_for (&waiter), &follow_up, &error));
  g_object_unref (waiter.result);
  g_assert_cmpuint (follow_up.n_prompt_tokens, <, stats.n_prompt_tokens + stats.n_generated);
  g_assert_cmpuint (follow_up.n_prompt_tokens, >, 0);

  g_signal_handler_disconnect (worker, id);
  g_string_free (collector.text, TRUE);

  /* Unloaded: no model, and an answer says so; loaded again, the
   * conversation starts afresh (its cache went with the model). */
  vc_worker_unload (worker);
  g_assert_null (vc_worker_get_model_info (worker));
  waiter.result = NULL;
  vc_worker_generate_async (worker, 7, "And then?", NULL, NULL, &params, NULL, store_result, &waiter);
  g_assert_false (vc_worker_generate_finish (worker, wait_for (&waiter), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);
  g_object_unref (waiter.result);
  {
    g_autofree char *path = checkpoint ();
    VilaGenerateStats again;

    waiter.result = NULL;
    vc_worker_load_async (worker, path, NULL, NULL, store_result, &waiter);
    g_assert_true (vc_worker_load_finish (worker, wait_for (&waiter), &error));
    g_object_unref (waiter.result);
    waiter.result = NULL;
    vc_worker_generate_async (worker, 7, "Tell me a story about a lighthouse.", NULL, NULL, &params, NULL,
                              store_result, &waiter);
    g_assert_true (vc_worker_generate_finish (worker, wait_for (&waiter), &again, &error));
    g_object_unref (waiter.result);
    g_assert_cmpuint (again.n_prompt_tokens, ==, stats.n_prompt_tokens);
  }
}

static void
clear_image (gpointer data)
{
  g_free (((VcMessageImage *) data)->sha256);
}

static VcMessage *
stored (VcRole      role,
        const char *text)
{
  VcMessage *m = g_new0 (VcMessage, 1);

  m->role = role;
  m->text = g_strdup (text);
  m->state = VC_MESSAGE_COMPLETE;
  m->images = g_array_new (FALSE, FALSE, sizeof (VcMessageImage));
  g_array_set_clear_func (m->images, clear_image);
  return m;
}

/* A conversation opened again after a restart: its stored messages
 * rebuild the session, and the next answer is the one the engine gives
 * with the earlier answer written in; a stored image that is gone makes
 * that next answer fail, saying why. */
static void
test_restore (void)
{
  g_autoptr(VcWorker) worker = loaded_worker ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) vc_message_free);
  g_autoptr(GPtrArray) broken = g_ptr_array_new_with_free_func ((GDestroyNotify) vc_message_free);
  g_autofree char *path = checkpoint ();
  g_autoptr(VilaModel) model = vila_model_load (path, NULL, &error);
  g_autoptr(VilaSession) session = vila_session_new (model, NULL, &error);
  g_autoptr(GString) expected = g_string_new (NULL);
  Collector collector = { g_string_new (NULL), 0, 11, NULL };
  const char *question = "Tell me a story about a lighthouse.";
  const char *answer = "Once there was a keeper who never slept, and the ships always came home.";
  const char *follow_up = "Why did the keeper stay?";
  VilaSamplingParams params;
  Waiter waiter = { NULL };
  VcMessage *with_image;
  gulong id;

  vila_sampling_params_init (&params);
  params.max_new_tokens = 32;
  g_assert_true (vila_session_append_text (session, question, &error));
  g_assert_true (vila_session_append_answer (session, answer, &error));
  g_assert_true (vila_session_append_text (session, follow_up, &error));
  g_assert_true (vila_session_generate (session, &params, collect_direct, expected, NULL, NULL, &error));

  g_ptr_array_add (messages, stored (VC_ROLE_USER, question));
  g_ptr_array_add (messages, stored (VC_ROLE_ASSISTANT, answer));
  vc_worker_restore (worker, 11, messages, data_dir);
  id = g_signal_connect (worker, "tokens", G_CALLBACK (on_tokens), &collector);
  vc_worker_generate_async (worker, 11, follow_up, NULL, NULL, &params, NULL, store_result, &waiter);
  g_assert_true (vc_worker_generate_finish (worker, wait_for (&waiter), NULL, &error));
  g_assert_no_error (error);
  g_object_unref (waiter.result);
  g_assert_cmpstr (collector.text->str, ==, expected->str);
  g_signal_handler_disconnect (worker, id);

  with_image = stored (VC_ROLE_USER, "What is this?");
  g_array_append_val (with_image->images, ((VcMessageImage) {
    g_strdup ("0000000000000000000000000000000000000000000000000000000000000000"), -1 }));
  g_ptr_array_add (broken, with_image);
  vc_worker_restore (worker, 12, broken, data_dir);
  waiter.result = NULL;
  vc_worker_generate_async (worker, 12, "And now?", NULL, NULL, &params, NULL, store_result, &waiter);
  g_assert_false (vc_worker_generate_finish (worker, wait_for (&waiter), NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "cannot be continued"));
  g_object_unref (waiter.result);
  g_string_free (collector.text, TRUE);
}

static void
test_cancel (void)
{
  g_autoptr(VcWorker) worker = loaded_worker ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Collector collector = { g_string_new (NULL), 0, 3, cancellable };
  VilaSamplingParams params;
  VilaGenerateStats stats;
  Waiter waiter = { NULL };
  gulong id = g_signal_connect (worker, "tokens", G_CALLBACK (on_tokens), &collector);

  vila_sampling_params_init (&params);
  params.max_new_tokens = 400;
  vc_worker_generate_async (worker, 3, "Tell me a story about a lighthouse.", NULL, NULL, &params, cancellable,
                            store_result, &waiter);
  g_assert_true (vc_worker_generate_finish (worker, wait_for (&waiter), &stats, &error));
  g_assert_no_error (error);
  g_object_unref (waiter.result);
  g_test_message ("cancelled after %u tokens", stats.n_generated);
  /* Unless the tiny model ended its answer first. */
  if (stats.stop_reason != VILA_STOP_EOS)
    {
      g_assert_cmpint (stats.stop_reason, ==, VILA_STOP_CANCELLED);
      g_assert_cmpuint (stats.n_generated, <, 400);
    }
  g_assert_cmpuint (collector.text->len, >, 0);
  g_signal_handler_disconnect (worker, id);
  g_string_free (collector.text, TRUE);
}

/* Cancelled before it starts: the load stops at its first stage. */
static void
test_load_cancelled (void)
{
  g_autoptr(VcWorker) worker = vc_worker_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = checkpoint ();
  Waiter waiter = { NULL };

  g_cancellable_cancel (cancellable);
  vc_worker_load_async (worker, path, NULL, cancellable, store_result, &waiter);
  g_assert_false (vc_worker_load_finish (worker, wait_for (&waiter), &error));
  g_assert_error (error, VILA_ERROR, VILA_ERROR_CANCELLED);
  g_assert_null (vc_worker_get_model_info (worker));
  g_object_unref (waiter.result);
}

#ifdef __linux__
/* Of each of this process's threads named @name: its scheduling policy
 * and nice value (fields 41 and 19 of its stat file). */
static guint
threads_named (const char *name,
               int        *policies,
               int        *nice_values,
               guint       max)
{
  g_autoptr(GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  guint n = 0;

  g_assert_nonnull (tasks);
  while ((tid = g_dir_read_name (tasks)) != NULL && n < max)
    {
      g_autofree char *comm_path = g_build_filename ("/proc/self/task", tid, "comm", NULL);
      g_autofree char *stat_path = g_build_filename ("/proc/self/task", tid, "stat", NULL);
      g_autofree char *comm = NULL, *stat = NULL;
      g_auto(GStrv) fields = NULL;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL) || !g_str_equal (g_strchomp (comm), name) ||
          !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      /* After the name in brackets: field 3 on, one space apart. */
      fields = g_strsplit (strrchr (stat, ')') + 2, " ", -1);
      g_assert_cmpuint (g_strv_length (fields), >, 41 - 3);
      policies[n] = atoi (fields[41 - 3]);
      nice_values[n] = atoi (fields[19 - 3]);
      n++;
    }
  return n;
}
#endif

/* The engine's thread and the CPU threads it makes run under the idle
 * policy, so that the window's thread and the display server take a
 * processor from them the moment they wake. (The CPU threads are made
 * by the process's first engine work, the worker's here: this test runs
 * before the others that answer.) */
#ifdef __linux__
static gpointer
try_idle_policy (gpointer data)
{
  return GINT_TO_POINTER (sched_setscheduler (0, SCHED_IDLE, &(struct sched_param) { .sched_priority = 0 }) == 0);
}
#endif

static void
test_engine_yields (void)
{
#ifdef __linux__
  g_autoptr(VcWorker) worker = NULL;
  g_autoptr(GError) error = NULL;
  int policies[64], nice_values[64];
  VilaSamplingParams params;
  Waiter waiter = { NULL };
  guint n;

  /* A sandbox may refuse the policy (the worker then goes on without). */
  if (!GPOINTER_TO_INT (g_thread_join (g_thread_new ("probe", try_idle_policy, NULL))))
    {
      g_test_skip ("this system refuses threads the idle policy");
      return;
    }
  worker = loaded_worker ();
  vila_sampling_params_init (&params);
  params.max_new_tokens = 2;
  vc_worker_generate_async (worker, 3, "Hello", NULL, NULL, &params, NULL, store_result, &waiter);
  g_assert_true (vc_worker_generate_finish (worker, wait_for (&waiter), NULL, &error));
  g_object_unref (waiter.result);

  /* The worker's thread, and threads it made without naming them (the
   * BLAS library's) */
  n = threads_named ("vila-engine", policies, nice_values, G_N_ELEMENTS (policies));
  g_assert_cmpuint (n, >=, 1);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (policies[i], ==, SCHED_IDLE);
      g_assert_cmpint (nice_values[i], ==, 10);
    }
  /* On one processor there are none: the work stays on the engine's. */
  n = threads_named ("vila-cpu", policies, nice_values, G_N_ELEMENTS (policies));
  g_assert_cmpuint (n, ==, g_get_num_processors () - 1);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (policies[i], ==, SCHED_IDLE);
#else
  g_test_skip ("scheduling policies are read on Linux only");
#endif
}

static void
test_display_name (void)
{
  static const struct { const char *path; const char *name; } cases[] = {
    { "/models/VILA1.5-3b", "VILA1.5-3b" },
    { "/models/VILA1.5-3b/", "VILA1.5-3b" },
    { "/models/NVILA-8B/llm/..", "NVILA-8B" },
    { "/models//Llama-3-VILA1.5-8B/.", "Llama-3-VILA1.5-8B" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = vc_worker_display_name (cases[i].path);

      g_assert_cmpstr (name, ==, cases[i].name);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s TESTS-DATA-DIR", argv[0]);
  data_dir = argv[1];

  g_test_add_func ("/worker/load-failure", test_load_failure);
  g_test_add_func ("/worker/load-cancelled", test_load_cancelled);
  g_test_add_func ("/worker/display-name", test_display_name);
  g_test_add_func ("/worker/engine-yields", test_engine_yields);
  g_test_add_func ("/worker/tokens-in-order", test_tokens_in_order);
  g_test_add_func ("/worker/cancel", test_cancel);
  g_test_add_func ("/worker/restore", test_restore);
  return g_test_run ();
}
