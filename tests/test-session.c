/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sessions on a small VILA1.5-layout checkpoint: prompt ids as VILA's
 * tokenizer_image_token() builds them (tests/data/prompts.golden.json),
 * users' words kept as words, multi-turn with truncation, cancel, seeds
 * and a prompt past the context. Arguments: tests/data. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "vila.h"
#include "vila-test-checkpoint.h"
#include "vila-test-util.h"

static const char *data_dir;
static char *checkpoint;
static VilaModel *model;

static guint8 image_pixels[8 * 6 * 3];
static const VilaImage image = { 8, 6, 8 * 3, image_pixels };

static GArray *
prompt_ids (VilaSession *session)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  const gint32 *tokens;
  guint n;

  guint per_image = vila_model_get_info (model)->tokens_per_image;
  guint run = 0;

  tokens = vila_session_get_tokens (session, &n);
  /* Each image's rows become one -200, as in the reference's ids. */
  for (guint i = 0; i < n; i++)
    {
      gint32 id = tokens[i] >= 0 ? tokens[i] : -200;

      if (tokens[i] >= 0)
        run = 0;
      else if (run++ % per_image != 0)
        continue;
      g_array_append_val (ids, id);
    }
  return ids;
}

static void
test_prompt_ids (void)
{
  g_autofree char *path = g_build_filename (data_dir, "prompts.golden.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *cases;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  cases = json_node_get_array (json_parser_get_root (parser));

  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *golden = json_array_get_object_element (cases, c);
      JsonArray *segments = json_object_get_array_member (golden, "segments");
      JsonArray *expected = json_object_get_array_member (golden, "ids");
      const char *template_name = json_object_get_string_member (golden, "template");
      g_autoptr(VilaSession) session = NULL;
      g_autoptr(GArray) ids = NULL;
      VilaSessionOptions options;
      VilaSamplingParams params;
      guint image_count = 0;

      vila_session_options_init (&options);
      options.mode = strcmp (template_name, "raw") == 0 ? VILA_PROMPT_RAW : VILA_PROMPT_CHAT;
      options.system_prompt = json_object_get_null_member (golden, "system")
                              ? NULL : json_object_get_string_member (golden, "system");
      session = vila_session_new (model, &options, &error);
      g_assert_no_error (error);

      for (guint s = 0; s < json_array_get_length (segments); s++)
        {
          JsonNode *segment = json_array_get_element (segments, s);

          if (JSON_NODE_HOLDS_NULL (segment))
            {
              g_assert_true (vila_session_append_image (session, &image, &error));
              image_count++;
            }
          else
            g_assert_true (vila_session_append_text (session, json_node_get_string (segment), &error));
        }

      vila_sampling_params_init (&params);
      params.max_new_tokens = 1;
      g_assert_true (vila_session_generate (session, &params, NULL, NULL, NULL, NULL, &error));
      g_assert_no_error (error);

      ids = prompt_ids (session);
      if (ids->len != json_array_get_length (expected))
        {
          g_autoptr(GString) a = g_string_new (NULL);
          g_autoptr(GString) b = g_string_new (NULL);

          for (guint i = 0; i < ids->len; i++)
            g_string_append_printf (a, " %d", g_array_index (ids, gint32, i));
          for (guint i = 0; i < json_array_get_length (expected); i++)
            g_string_append_printf (b, " %d", (int) json_array_get_int_element (expected, i));
          g_test_message ("ours:%s", a->str);
          g_test_message ("reference:%s", b->str);
        }
      if (ids->len != json_array_get_length (expected))
        g_error ("case %u: %u ids, the reference has %u", c, ids->len, json_array_get_length (expected));
      for (guint i = 0; i < ids->len; i++)
        if (g_array_index (ids, gint32, i) != json_array_get_int_element (expected, i))
          g_error ("case %u: id %u is %d, the reference's %d", c, i, g_array_index (ids, gint32, i),
                   (int) json_array_get_int_element (expected, i));
    }
}

static void
test_user_text_stays_text (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaSession) session = vila_session_new (model, NULL, &error);
  VilaSamplingParams params;
  const gint32 *tokens;
  guint n, specials = 0;

  g_assert_true (vila_session_append_text (session, "A user typing </s> and <s> stays text.", &error));
  vila_sampling_params_init (&params);
  params.max_new_tokens = 1;
  g_assert_true (vila_session_generate (session, &params, NULL, NULL, NULL, NULL, &error));
  tokens = vila_session_get_tokens (session, &n);
  /* BOS at the start, and no BOS or EOS from the user's words. */
  for (guint i = 0; i < n; i++)
    specials += tokens[i] == 1 || tokens[i] == 2;
  g_assert_cmpint (tokens[0], ==, 1);
  g_assert_cmpuint (specials, ==, 1);
}

static GArray *
ask (VilaSession *session,
     const char  *question,
     guint        max_tokens,
     float        temperature,
     guint64      seed)
{
  g_autoptr(GError) error = NULL;
  GArray *answer = g_array_new (FALSE, FALSE, sizeof (gint32));
  VilaSamplingParams params;

  g_assert_true (vila_session_append_text (session, question, &error));
  vila_sampling_params_init (&params);
  params.max_new_tokens = max_tokens;
  params.temperature = temperature;
  params.seed = seed;
  g_assert_true (vila_session_generate (session, &params, vila_test_collect_token, answer, NULL, NULL, &error));
  g_assert_no_error (error);
  return answer;
}

static void
assert_same (GArray *a,
             GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  g_assert_cmpmem (a->data, a->len * sizeof (gint32), b->data, b->len * sizeof (gint32));
}

static void
test_multi_turn_and_truncate (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaSession) session = vila_session_new (model, NULL, &error);
  g_autoptr(GArray) first = NULL, second = NULL, again = NULL, first_again = NULL;
  guint after_first;

  g_assert_true (vila_session_append_image (session, &image, &error));
  first = ask (session, "\nWhat is this?", 4, 1.0f, 11);
  after_first = vila_session_get_n_tokens (session);
  second = ask (session, "And why?", 3, 1.0f, 12);
  g_assert_cmpuint (vila_session_get_n_tokens (session), >, after_first);

  /* Regenerate the second answer: the cache before it is reused, and the
   * same seed gives the same tokens. */
  g_assert_true (vila_session_truncate (session, 1, &error));
  again = ask (session, "And why?", 3, 1.0f, 12);
  assert_same (second, again);

  /* Edit from the start: everything is redone the same way. */
  g_assert_true (vila_session_truncate (session, 0, &error));
  g_assert_cmpuint (vila_session_get_n_tokens (session), ==, 0);
  g_assert_true (vila_session_append_image (session, &image, &error));
  first_again = ask (session, "\nWhat is this?", 4, 1.0f, 11);
  assert_same (first, first_again);

  g_assert_false (vila_session_truncate (session, 5, &error));
  g_assert_error (error, VILA_ERROR, VILA_ERROR_INVALID_ARGUMENT);
}

static void
test_cancel_and_context (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaSession) session = vila_session_new (model, NULL, &error);
  g_autoptr(VilaSession) long_one = vila_session_new (model, NULL, &error);
  g_autoptr(GString) long_text = g_string_new (NULL);
  VilaSamplingParams params;
  VilaGenerateStats stats;
  gint cancel = 1;

  vila_sampling_params_init (&params);
  g_assert_true (vila_session_append_text (session, "hello", &error));
  g_assert_true (vila_session_generate (session, &params, NULL, NULL, &cancel, &stats, &error));
  g_assert_cmpint (stats.stop_reason, ==, VILA_STOP_CANCELLED);
  g_assert_cmpuint (stats.n_generated, ==, 0);

  /* The test checkpoint holds 512 positions. */
  for (guint i = 0; i < 400; i++)
    g_string_append (long_text, "tower bridge ");
  g_assert_true (vila_session_append_text (long_one, long_text->str, &error));
  g_assert_false (vila_session_generate (long_one, &params, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, VILA_ERROR, VILA_ERROR_CONTEXT_FULL);
  g_assert_nonnull (strstr (error->message, "more than the 512"));
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *tokenizer = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s TESTS-DATA-DIR", argv[0]);
  data_dir = argv[1];

  for (gsize i = 0; i < sizeof image_pixels; i++)
    image_pixels[i] = (guint8) (i * 37);
  tokenizer = g_build_filename (data_dir, "tokenizers", "llama2-sp", NULL);
  checkpoint = vila_test_write_checkpoint (VILA_TEST_VILA15, tokenizer, NULL, NULL);
  model = vila_model_load (checkpoint, NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/session/prompt-ids", test_prompt_ids);
  g_test_add_func ("/session/user-text", test_user_text_stays_text);
  g_test_add_func ("/session/multi-turn", test_multi_turn_and_truncate);
  g_test_add_func ("/session/cancel-and-context", test_cancel_and_context);

  status = g_test_run ();
  vila_model_unref (model);
  vila_test_remove_checkpoint (checkpoint);
  g_free (checkpoint);
  return status;
}
