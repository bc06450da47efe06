/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading happens off the main thread and comes back to the caller's main
 * context, with errors and cancellation intact. */
#include "config.h"

#include "vc-model-loader.h"

typedef struct {
  GMainLoop *loop;
  VilaModel *model;
  GError    *error;
} LoadResult;

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  LoadResult *load = user_data;

  load->model = vc_model_loader_load_finish (result, &load->error);
  g_main_loop_quit (load->loop);
}

static void
run_load (const char   *path,
          GCancellable *cancellable,
          LoadResult   *load)
{
  load->loop = g_main_loop_new (NULL, FALSE);
  vc_model_loader_load_async (path, NULL, cancellable, on_loaded, load);
  g_main_loop_run (load->loop);
  g_main_loop_unref (load->loop);
}

static void
test_missing_folder (void)
{
  LoadResult load = { 0 };

  run_load ("/nonexistent/VILA1.5-3b", NULL, &load);
  g_assert_null (load.model);
  g_assert_error (load.error, VILA_ERROR, VILA_ERROR_NOT_FOUND);
  g_clear_error (&load.error);
}

static void
test_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  LoadResult load = { 0 };

  g_cancellable_cancel (cancellable);
  run_load (g_get_tmp_dir (), cancellable, &load);
  g_assert_null (load.model);
  g_assert_error (load.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&load.error);
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
      g_autofree char *name = vc_model_loader_display_name (cases[i].path);

      g_assert_cmpstr (name, ==, cases[i].name);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model-loader/missing-folder", test_missing_folder);
  g_test_add_func ("/model-loader/cancelled", test_cancelled);
  g_test_add_func ("/model-loader/display-name", test_display_name);

  return g_test_run ();
}
