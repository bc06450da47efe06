/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine's public API as far as the foundation builds it: errors,
 * backend choice and the checks a model load makes before any weights. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "vila.h"

static void
test_backend_names (void)
{
  VilaBackendKind kind = VILA_BACKEND_AUTO;

  for (VilaBackendKind k = VILA_BACKEND_AUTO; k <= VILA_BACKEND_CUDA; k++)
    {
      g_assert_true (vila_backend_kind_from_string (vila_backend_kind_to_string (k), &kind));
      g_assert_cmpint (kind, ==, k);
    }
  g_assert_true (vila_backend_kind_from_string ("CUDA", &kind));
  g_assert_cmpint (kind, ==, VILA_BACKEND_CUDA);
  g_assert_false (vila_backend_kind_from_string ("vulkan", &kind));
  g_assert_false (vila_backend_kind_from_string ("", &kind));
}

static void
test_backend_availability (void)
{
  g_autofree char *reason = NULL;
  g_autofree char *note = NULL;
  gboolean cuda;

  g_assert_true (vila_backend_is_available (VILA_BACKEND_CPU, &reason));
  g_assert_null (reason);

  /* Either CUDA runs, or we get one line saying why not. */
  cuda = vila_backend_is_available (VILA_BACKEND_CUDA, &reason);
  if (cuda)
    g_assert_null (reason);
  else
    {
      g_assert_nonnull (reason);
      g_assert_cmpuint (strlen (reason), >, 10);
      g_assert_null (strchr (reason, '\n'));
      g_test_message ("CUDA unavailable: %s", reason);
    }

  g_assert_cmpint (vila_backend_resolve (VILA_BACKEND_CPU, &note), ==, VILA_BACKEND_CPU);
  g_assert_null (note);
  g_assert_cmpint (vila_backend_resolve (VILA_BACKEND_AUTO, &note), ==,
                   cuda ? VILA_BACKEND_CUDA : VILA_BACKEND_CPU);
  g_assert_cmpstr (note, ==, cuda ? NULL : reason);
}

static void
test_defaults (void)
{
  VilaLoadOptions load;
  VilaSessionOptions session;
  VilaSamplingParams sampling;

  vila_load_options_init (&load);
  g_assert_cmpint (load.backend, ==, VILA_BACKEND_AUTO);
  g_assert_cmpint (load.dtype, ==, VILA_DTYPE_F16);
  g_assert_null (load.cancel);

  vila_session_options_init (&session);
  g_assert_cmpint (session.mode, ==, VILA_PROMPT_CHAT);
  g_assert_null (session.system_prompt);

  vila_sampling_params_init (&sampling);
  g_assert_cmpfloat (sampling.temperature, ==, 0.0f);
  g_assert_cmpfloat (sampling.top_p, ==, 1.0f);
  g_assert_cmpfloat (sampling.repetition_penalty, ==, 1.0f);
  g_assert_cmpuint (sampling.max_new_tokens, ==, 512);
}

static char *
make_model_dir (const char *config_json)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("vila-test-XXXXXX", &error);

  g_assert_no_error (error);
  if (config_json != NULL)
    {
      g_autofree char *path = g_build_filename (dir, "config.json", NULL);

      g_file_set_contents (path, config_json, -1, &error);
      g_assert_no_error (error);
    }
  return dir;
}

static void
remove_model_dir (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "config.json", NULL);

  g_remove (path);
  g_rmdir (dir);
}

static void
assert_load_fails (const char *dir,
                   int         code,
                   const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModel) model = vila_model_load (dir, NULL, &error);

  g_assert_null (model);
  g_assert_error (error, VILA_ERROR, code);
  if (fragment != NULL)
    g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_load_bad_folders (void)
{
  g_autofree char *empty = make_model_dir (NULL);
  g_autofree char *corrupt = make_model_dir ("{\"model_type\": \"llava_llama\",");
  g_autofree char *not_object = make_model_dir ("[1, 2, 3]");
  g_autofree char *missing = g_build_filename (empty, "no-such-model", NULL);

  assert_load_fails (missing, VILA_ERROR_NOT_FOUND, "not a folder");
  assert_load_fails (empty, VILA_ERROR_NOT_FOUND, "config.json");
  assert_load_fails (corrupt, VILA_ERROR_INVALID_CHECKPOINT, "config.json");
  assert_load_fails (not_object, VILA_ERROR_INVALID_CHECKPOINT, "JSON object");

  remove_model_dir (corrupt);
  remove_model_dir (not_object);
  remove_model_dir (empty);
}

static void
test_load_cuda_without_device (void)
{
  g_autofree char *dir = make_model_dir ("{\"model_type\": \"llava_llama\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModel) model = NULL;
  VilaLoadOptions options;

  if (vila_backend_is_available (VILA_BACKEND_CUDA, NULL))
    {
      g_test_skip ("a usable GPU is present");
      remove_model_dir (dir);
      return;
    }

  vila_load_options_init (&options);
  options.backend = VILA_BACKEND_CUDA;
  model = vila_model_load (dir, &options, &error);
  g_assert_null (model);
  g_assert_error (error, VILA_ERROR, VILA_ERROR_NO_DEVICE);
  remove_model_dir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/backend/names", test_backend_names);
  g_test_add_func ("/engine/backend/availability", test_backend_availability);
  g_test_add_func ("/engine/defaults", test_defaults);
  g_test_add_func ("/engine/load/bad-folders", test_load_bad_folders);
  g_test_add_func ("/engine/load/cuda-without-device", test_load_cuda_without_device);

  return g_test_run ();
}
