/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Whole checkpoints against the reference pipelines
 * (tools/reference/make_vila_fixtures.py): VILA1.5's three-part layout
 * (SigLIP, "resize", mlp_downsample) and VILA-7B's flat one (CLIP, "pad",
 * mlp2x_gelu); image through preprocessing, tower and projector, spliced
 * into the vicuna_v1 prompt, then the LLM.
 * The prompt ids, the logits of its last position (within 1e-4 of their
 * scale) and 32 greedy tokens match. Argument: tests/data. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vila.h"
#include "vila-test-util.h"

static const char *data_dir;

typedef struct {
  VilaModel  *model;
  JsonParser *golden;
  VilaImage   image;
  guint8     *pixels;
  char       *question;
  char       *root;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *root = g_build_filename (data_dir, "checkpoints", (const char *) data, NULL);
  g_autofree char *golden = g_build_filename (root, "golden.json", NULL);
  g_autofree char *image = NULL;
  g_autoptr(GError) error = NULL;
  guint width, height;

  f->model = vila_model_load (root, NULL, &error);
  g_assert_no_error (error);
  f->golden = json_parser_new ();
  json_parser_load_from_file (f->golden, golden, &error);
  g_assert_no_error (error);
  image = g_build_filename (data_dir, "images",
                            json_object_get_string_member (json_node_get_object (json_parser_get_root (f->golden)), "image"),
                            NULL);
  f->pixels = vila_test_read_ppm (image, &width, &height);
  /* The reference's question, less the leading <image> the image takes. */
  f->question = g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (f->golden)),
                                                         "question") + strlen ("<image>"));
  f->root = g_strdup (root);
  f->image = (VilaImage) { width, height, (gsize) width * 3, f->pixels };
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  vila_model_unref (f->model);
  g_object_unref (f->golden);
  g_free (f->pixels);
  g_free (f->question);
  g_free (f->root);
}

static VilaSession *
ask (Fixture *f,
     guint    max_tokens)
{
  g_autoptr(GError) error = NULL;
  VilaSession *session = vila_session_new (f->model, NULL, &error);
  VilaSamplingParams params;

  g_assert_no_error (error);
  g_assert_true (vila_session_append_image (session, &f->image, &error));
  g_assert_true (vila_session_append_text (session, f->question, &error));
  vila_sampling_params_init (&params);
  params.max_new_tokens = max_tokens;
  g_assert_true (vila_session_generate (session, &params, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return session;
}

static void
test_prompt_and_logits (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(VilaSession) session = ask (f, 1);
  JsonObject *golden = json_node_get_object (json_parser_get_root (f->golden));
  JsonArray *expected = json_object_get_array_member (golden, "prompt_ids");
  g_autofree char *logits_path = g_build_filename (f->root, "logits.bin", NULL);
  g_autofree float *reference = NULL;
  const gint32 *tokens;
  const float *logits;
  guint n, vocab, k = 0, per_image = vila_model_get_info (f->model)->tokens_per_image;
  gsize length;

  tokens = vila_session_get_tokens (session, &n);
  for (guint i = 0; i < n; i++)
    {
      gint32 id = tokens[i];

      if (id < 0)
        {
          g_assert_cmpint (json_array_get_int_element (expected, k++), ==, -200);
          i += per_image - 1;
          continue;
        }
      g_assert_cmpint (id, ==, json_array_get_int_element (expected, k++));
    }
  g_assert_cmpuint (k, ==, json_array_get_length (expected));

  g_assert_true (g_file_get_contents (logits_path, (char **) &reference, &length, NULL));
  logits = vila_session_get_logits (session, &vocab);
  g_assert_cmpuint (length, ==, vocab * sizeof (float));
  g_test_message ("prompt logits: relative error %.2e", vila_test_relative_error (logits, reference, vocab));
  g_assert_cmpfloat (vila_test_relative_error (logits, reference, vocab), <=, 1e-4);
}

static gboolean
collect (const char *text,
         gint32      token_id,
         gpointer    user_data)
{
  if (token_id >= 0)
    g_array_append_val ((GArray *) user_data, token_id);
  return TRUE;
}

static void
test_greedy (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaSession) session = vila_session_new (f->model, NULL, &error);
  g_autoptr(GArray) answer = g_array_new (FALSE, FALSE, sizeof (gint32));
  JsonArray *expected = json_object_get_array_member (json_node_get_object (json_parser_get_root (f->golden)), "greedy");
  VilaSamplingParams params;
  VilaGenerateStats stats;
  guint n_expected = json_array_get_length (expected);

  g_assert_true (vila_session_append_image (session, &f->image, &error));
  g_assert_true (vila_session_append_text (session, f->question, &error));
  vila_sampling_params_init (&params);
  params.max_new_tokens = 32;
  g_assert_true (vila_session_generate (session, &params, collect, answer, NULL, &stats, &error));

  /* The reference stops at EOS too; our callback does not see it. */
  if (n_expected > 0 && json_array_get_int_element (expected, n_expected - 1) == 2)
    {
      g_assert_cmpint (stats.stop_reason, ==, VILA_STOP_EOS);
      n_expected--;
    }
  g_assert_cmpuint (answer->len, ==, n_expected);
  for (guint i = 0; i < answer->len; i++)
    g_assert_cmpint (g_array_index (answer, gint32, i), ==, json_array_get_int_element (expected, i));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s TESTS-DATA-DIR", argv[0]);
  data_dir = argv[1];

  g_test_add ("/vila/e2e/vila1.5/prompt-and-logits", Fixture, "vila15-tiny", fixture_setup,
              test_prompt_and_logits, fixture_teardown);
  g_test_add ("/vila/e2e/vila1.5/greedy", Fixture, "vila15-tiny", fixture_setup, test_greedy, fixture_teardown);
  g_test_add ("/vila/e2e/flat/prompt-and-logits", Fixture, "vila7b-tiny", fixture_setup,
              test_prompt_and_logits, fixture_teardown);
  g_test_add ("/vila/e2e/flat/greedy", Fixture, "vila7b-tiny", fixture_setup, test_greedy, fixture_teardown);

  return g_test_run ();
}
